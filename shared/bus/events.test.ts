import { describe, expect, it } from '@jest/globals';
import {
  accountDeletedEvent,
  busEventTypes,
  connectionEvent,
  deviceRevokedEvent,
  mailboxEvent,
  membershipEvent,
  presenceEvent,
  pushEvent,
  sessionRevokedEvent,
  typingEvent,
  type BusEventType,
} from './events.js';
import { durableSubjectPatterns, isDurableSubject, subjectMatches } from './subjects.js';

const at = '2026-01-01T00:00:00.000Z';

/** A well-formed payload of each event, and variants its parser must refuse. */
const cases: readonly (readonly [BusEventType<unknown>, object, readonly object[]])[] = [
  [
    mailboxEvent,
    { userId: 'u1', deviceId: 1, envelopeId: 'e1' },
    [
      { userId: '', deviceId: 1, envelopeId: 'e1' },
      { userId: 'u1', deviceId: 1 },
    ],
  ],
  [
    pushEvent,
    { userId: 'u1', deviceId: 2, envelopeId: 'e1' },
    [
      { userId: 'u1', deviceId: 0, envelopeId: 'e1' },
      { userId: 'u1', deviceId: 1.5 },
    ],
  ],
  [
    typingEvent,
    { conversationId: 'c1', userId: 'u1', typing: true, at },
    [
      { conversationId: 'c1', userId: 'u1', typing: 'yes', at },
      { conversationId: 'c1', userId: 'u1', typing: true },
    ],
  ],
  [
    presenceEvent,
    { userId: 'u1', status: 'AWAY' },
    [{ userId: 'u1', status: 'BUSY' }, { status: 'ONLINE' }],
  ],
  [
    membershipEvent,
    { conversationId: 'c1', removedUserIds: ['u1'], addedUserIds: [], at },
    [
      { conversationId: 1, removedUserIds: [], addedUserIds: [], at },
      { conversationId: 'c1', removedUserIds: 'u1', addedUserIds: [], at },
      { conversationId: 'c1', removedUserIds: [], addedUserIds: [1], at },
      { conversationId: 'c1', removedUserIds: [], addedUserIds: [], at: 'yesterday' },
    ],
  ],
  [
    connectionEvent,
    { userId: 'u1', deviceId: 1, connectionId: 'k1', state: 'open', at },
    [
      { userId: 'u1', deviceId: '1', connectionId: 'k1', state: 'open', at },
      { userId: 'u1', deviceId: 1, connectionId: 'k1', state: 'half-open', at },
    ],
  ],
  [
    sessionRevokedEvent,
    { userId: 'u1', sessionId: 's1' },
    [{ userId: 'u1', sessionId: 'x'.repeat(65) }, { sessionId: 's1' }],
  ],
  [
    deviceRevokedEvent,
    { userId: 'u1', deviceId: 3 },
    [
      { userId: 'u1', deviceId: -1 },
      { userId: 7, deviceId: 3 },
    ],
  ],
  [
    accountDeletedEvent,
    { userId: 'u1', deviceIds: [1, 3] },
    [{ userId: 'u1', deviceIds: [0] }, { userId: 'u1', deviceIds: 1 }, { deviceIds: [] }],
  ],
];

const named = cases.map(([type, valid, malformed]) => ({
  name: type.name,
  type,
  valid,
  malformed,
}));

describe.each(named)('the $name event', ({ type, valid, malformed }) => {
  it('reads a well-formed payload as it is', () => {
    expect(type.parse(valid)).toEqual(valid);
    expect(type.parse(JSON.parse(JSON.stringify(valid)))).toEqual(valid);
  });

  it('keeps only the declared fields', () => {
    expect(type.parse({ ...valid, extra: 'dropped' })).toEqual(valid);
  });

  it.each([null, undefined, 'text', 42, [valid], ...malformed])('refuses %j', (data) => {
    expect(type.parse(data)).toBeNull();
  });

  it('publishes on a subject its pattern matches', () => {
    expect(subjectMatches(type.pattern, type.subjectOf(valid))).toBe(true);
  });
});

describe('the declared events', () => {
  it('are all covered by a test case', () => {
    expect(cases.map(([type]) => type.name).sort()).toEqual(
      busEventTypes.map((type) => type.name).sort(),
    );
  });

  it('are durable exactly when their subjects are in the durable stream', () => {
    for (const type of busEventTypes) {
      expect([type.name, isDurableSubject(durableSubjectPatterns, type.pattern)]).toEqual([
        type.name,
        type.durable,
      ]);
    }
  });
});
