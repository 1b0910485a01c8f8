import { randomBytes } from 'node:crypto';
import { describe, expect, it } from '@jest/globals';
import { decryptAttachment, encryptAttachment } from './attachments.js';

describe('attachment encryption', () => {
  const key = randomBytes(32);
  const bytes = randomBytes(10_000);

  it('round-trips, with a fresh nonce each time', () => {
    const first = encryptAttachment(bytes, key);
    const second = encryptAttachment(bytes, key);
    expect(Buffer.from(first).equals(Buffer.from(second))).toBe(false);
    expect(first.length).toBe(bytes.length + 12 + 16);
    expect(Buffer.from(decryptAttachment(first, key)).equals(bytes)).toBe(true);
  });

  it('refuses altered bytes and a wrong key', () => {
    const encrypted = encryptAttachment(bytes, key);
    const altered = new Uint8Array(encrypted);
    altered[100] = (altered[100] ?? 0) ^ 1;
    expect(() => decryptAttachment(altered, key)).toThrow();
    expect(() => decryptAttachment(encrypted, randomBytes(32))).toThrow();
    expect(() => decryptAttachment(encrypted.subarray(0, 20), key)).toThrow('too short');
  });
});
