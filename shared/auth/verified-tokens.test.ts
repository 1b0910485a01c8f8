import { describe, expect, it } from '@jest/globals';
import type { Principal } from './principal.js';
import { VerifiedTokens } from './verified-tokens.js';

const principalUntil = (expiresAtMs: number): Principal => ({
  userId: 'u',
  deviceId: 1,
  sessionId: 's',
  expiresAt: new Date(expiresAtMs),
});

describe('VerifiedTokens', () => {
  it('answers a token verified before, until its exp second arrives', () => {
    let now = 1_000_000;
    const tokens = new VerifiedTokens(10, 60_000, () => now);
    const principal = principalUntil(1_010_000);
    tokens.remember('t', principal);
    expect(tokens.get('t')).toBe(principal);
    now = 1_009_999;
    expect(tokens.get('t')).toBe(principal);
    // exp <= now (whole seconds) is expired, as jose decides it.
    now = 1_010_000;
    expect(tokens.get('t')).toBeUndefined();
    now = 1_000_000;
    expect(tokens.get('t')).toBeUndefined();
  });

  it('trusts an entry for maxAgeMs at most, so a removed signing key stops counting', () => {
    let now = 0;
    const tokens = new VerifiedTokens(10, 60_000, () => now);
    tokens.remember('t', principalUntil(3_600_000));
    now = 59_999;
    expect(tokens.get('t')).toBeDefined();
    now = 60_000;
    expect(tokens.get('t')).toBeUndefined();
  });

  it('drops the least recently verified token when full', () => {
    const tokens = new VerifiedTokens(2, 60_000, () => 0);
    tokens.remember('a', principalUntil(3_600_000));
    tokens.remember('b', principalUntil(3_600_000));
    tokens.remember('a', principalUntil(3_600_000));
    tokens.remember('c', principalUntil(3_600_000));
    expect(tokens.get('b')).toBeUndefined();
    expect(tokens.get('a')).toBeDefined();
    expect(tokens.get('c')).toBeDefined();
  });

  it('knows nothing of a token it was not given, even one differing by a character', () => {
    const tokens = new VerifiedTokens(10, 60_000, () => 0);
    tokens.remember('abc.def.ghi', principalUntil(3_600_000));
    expect(tokens.get('abc.def.ghj')).toBeUndefined();
  });
});
