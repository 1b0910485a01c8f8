import { describe, expect, it } from '@jest/globals';
import {
  accountDeletedSubject,
  InvalidSubjectError,
  assertDurableName,
  assertSubject,
  assertSubjectPattern,
  connectionSubject,
  deviceRevokedSubject,
  durableSubjectPatterns,
  isDurableSubject,
  mailboxSubject,
  membershipSubject,
  presenceSubject,
  pushSubject,
  subjectMatches,
  subjectPatternCovers,
  typingSubject,
} from './subjects.js';

describe('subject builders', () => {
  it('build the docs/bus.md subjects', () => {
    expect(mailboxSubject('u1', 'd1')).toBe('guardyn.mailbox.u1.d1');
    expect(pushSubject('u1', 'd1')).toBe('guardyn.push.u1.d1');
    expect(typingSubject('c1')).toBe('guardyn.typing.c1');
    expect(presenceSubject('u1')).toBe('guardyn.presence.u1');
    expect(connectionSubject('u1', 'd1')).toBe('guardyn.connection.u1.d1');
    expect(deviceRevokedSubject('u1')).toBe('guardyn.device.revoked.u1');
    expect(membershipSubject('c1')).toBe('guardyn.membership.c1');
  });

  it.each(['', 'a.b', 'a*', '>', 'a b', 'a\tb', 'a\nb'])('refuse the token %j', (token) => {
    expect(() => mailboxSubject(token, 'd1')).toThrow(InvalidSubjectError);
    expect(() => typingSubject(token)).toThrow(InvalidSubjectError);
  });

  it('put the push, device-revoked and account-deleted subjects inside the durable patterns, and no others', () => {
    expect(isDurableSubject(durableSubjectPatterns, pushSubject('u1', 'd1'))).toBe(true);
    expect(isDurableSubject(durableSubjectPatterns, deviceRevokedSubject('u1'))).toBe(true);
    expect(isDurableSubject(durableSubjectPatterns, accountDeletedSubject('u1'))).toBe(true);
    expect(isDurableSubject(durableSubjectPatterns, 'guardyn.push.>')).toBe(true);
    expect(isDurableSubject(durableSubjectPatterns, mailboxSubject('u1', 'd1'))).toBe(false);
    expect(isDurableSubject(durableSubjectPatterns, membershipSubject('c1'))).toBe(false);
    expect(isDurableSubject(durableSubjectPatterns, 'guardyn.>')).toBe(false);
  });
});

describe('subject validation', () => {
  it('accepts subjects and patterns', () => {
    expect(() => assertSubject('a.b-c_d.9')).not.toThrow();
    expect(() => assertSubjectPattern('a.*.c')).not.toThrow();
    expect(() => assertSubjectPattern('a.>')).not.toThrow();
    expect(() => assertSubjectPattern('>')).not.toThrow();
    expect(() => assertDurableName('notification-push')).not.toThrow();
  });

  it.each(['', 'a..b', '.a', 'a.', 'a.*', 'a.>', 'a b', 'a.b*'])('refuses the subject %j', (s) => {
    expect(() => assertSubject(s)).toThrow(InvalidSubjectError);
  });

  it.each(['', 'a..b', 'a.>.b', 'a.b*', 'a.>x', 'a b'])('refuses the pattern %j', (pattern) => {
    expect(() => assertSubjectPattern(pattern)).toThrow(InvalidSubjectError);
  });

  it.each(['', 'a.b', 'a/b', 'a\\b', 'a b', '*'])('refuses the durable name %j', (name) => {
    expect(() => assertDurableName(name)).toThrow(InvalidSubjectError);
  });
});

describe('subjectMatches (NATS semantics)', () => {
  it.each([
    ['a.b', 'a.b', true],
    ['a.b', 'a.c', false],
    ['a.b', 'a.b.c', false],
    ['a.*', 'a.b', true],
    ['a.*', 'a', false],
    ['a.*', 'a.b.c', false],
    ['*.b.*', 'a.b.c', true],
    ['a.>', 'a.b', true],
    ['a.>', 'a.b.c.d', true],
    ['a.>', 'a', false],
    ['>', 'a', true],
    ['a.*.>', 'a.b', false],
    ['a.*.>', 'a.b.c', true],
  ])('%s matches %s: %s', (pattern, subject, expected) => {
    expect(subjectMatches(pattern, subject)).toBe(expected);
  });
});

describe('subjectPatternCovers', () => {
  it.each([
    ['a.>', 'a.>', true],
    ['a.>', 'a.b.>', true],
    ['a.>', 'a.*', true],
    ['a.>', 'a', false],
    ['a.*', 'a.>', false],
    ['a.*', 'a.b', true],
    ['a.*.c', 'a.b.c', true],
    ['a.b', 'a.*', false],
    ['a.b.>', 'a.>', false],
    ['>', 'x.y', true],
  ])('%s covers %s: %s', (outer, inner, expected) => {
    expect(subjectPatternCovers(outer, inner)).toBe(expected);
  });
});
