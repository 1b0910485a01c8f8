import { randomBytes } from 'node:crypto';
import { describe, expect, it } from '@jest/globals';
import { accessGranted } from './unidentified-access.js';

const key = () => new Uint8Array(randomBytes(16));
const xor = (a: Uint8Array, b: Uint8Array) => a.map((byte, i) => byte ^ (b[i] ?? 0));

describe('accessGranted', () => {
  const [alice, bob] = [key(), key()];
  const records = [
    { userId: 'alice', accessKey: alice, unrestricted: false },
    { userId: 'bob', accessKey: bob, unrestricted: false },
    { userId: 'open', accessKey: null, unrestricted: true },
    { userId: 'off', accessKey: null, unrestricted: false },
  ];

  it('opens one recipient with their own key only', () => {
    expect(accessGranted(['alice'], records, alice)).toBe(true);
    expect(accessGranted(['alice'], records, bob)).toBe(false);
    expect(accessGranted(['alice'], records, null)).toBe(false);
    expect(accessGranted(['alice'], records, alice.subarray(0, 15))).toBe(false);
  });

  it('opens an unrestricted recipient with any key or none', () => {
    expect(accessGranted(['open'], records, null)).toBe(true);
    expect(accessGranted(['open'], records, key())).toBe(true);
  });

  it('never opens an unknown user, nor one whose key-based access is off', () => {
    expect(accessGranted(['nobody'], records, alice)).toBe(false);
    expect(accessGranted(['off'], records, new Uint8Array(16))).toBe(false);
    expect(accessGranted([], records, alice)).toBe(false);
  });

  it('opens many recipients with the XOR of the keys of those who are restricted', () => {
    const combined = xor(alice, bob);
    expect(accessGranted(['alice', 'bob', 'open'], records, combined)).toBe(true);
    expect(accessGranted(['alice', 'bob'], records, combined)).toBe(true);
    // A repeated name counts once.
    expect(accessGranted(['alice', 'bob', 'alice'], records, combined)).toBe(true);
    expect(accessGranted(['alice', 'bob'], records, alice)).toBe(false);
    expect(accessGranted(['alice', 'bob', 'off'], records, combined)).toBe(false);
    expect(accessGranted(['alice', 'bob', 'nobody'], records, combined)).toBe(false);
  });
});
