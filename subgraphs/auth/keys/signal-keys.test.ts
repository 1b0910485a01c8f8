import { beforeAll, describe, expect, it } from '@jest/globals';
import { IdentityKeyPair, KEMKeyPair, PrivateKey } from '@signalapp/libsignal-client';
import type { PublicKey } from '@signalapp/libsignal-client';
import { BadUserInputError } from '../../../shared/errors/index.js';
import {
  createTestDevice,
  fromBase64,
  toDeviceKeysInput,
} from '../../../test/support/signal-device.js';
import type { DeviceKeysInput, SignedPreKeyInput } from '../../../test/support/signal-device.js';
import {
  MAX_PRE_KEY_ID,
  parseIdentityKey,
  parseOneTimePreKey,
  parseRegistrationId,
  verifyKyberPreKey,
  verifySignedPreKey,
} from './signal-keys.js';
import type { SignedPreKeyBytes } from './signal-keys.js';

function expectBadInput(run: () => unknown, message: RegExp): void {
  let thrown: unknown;
  try {
    run();
  } catch (error) {
    thrown = error;
  }
  expect(thrown).toBeInstanceOf(BadUserInputError);
  expect((thrown as BadUserInputError).code).toBe('BAD_USER_INPUT');
  expect((thrown as BadUserInputError).message).toMatch(message);
}

function decodeSigned(input: SignedPreKeyInput): SignedPreKeyBytes {
  return {
    keyId: input.keyId,
    publicKey: fromBase64(input.publicKey),
    signature: fromBase64(input.signature),
  };
}

let input: DeviceKeysInput;
let identityKey: PublicKey;
let other: IdentityKeyPair;

beforeAll(async () => {
  input = toDeviceKeysInput(await createTestDevice({ preKeys: 2, kyberPreKeys: 2 }));
  identityKey = parseIdentityKey(fromBase64(input.identityKey));
  other = IdentityKeyPair.generate();
});

describe('parseIdentityKey', () => {
  it('accepts a serialized Curve25519 public key', () => {
    const bytes = fromBase64(input.identityKey);
    expect(parseIdentityKey(bytes).serialize()).toEqual(bytes);
  });

  it.each([
    ['empty', new Uint8Array(0)],
    ['32 bytes (no type byte)', new Uint8Array(32).fill(7)],
    ['34 bytes', new Uint8Array(34).fill(5)],
  ])('refuses a key of the wrong length: %s', (_case, bytes) => {
    expectBadInput(() => parseIdentityKey(bytes), /^identityKey must be a 33-byte/);
  });

  it('refuses 33 bytes with an unknown key type', () => {
    const garbage = new Uint8Array(33).fill(0xab);
    expectBadInput(() => parseIdentityKey(garbage), /^identityKey is not a valid Curve25519/);
  });

  it('keeps the libsignal error as the cause', () => {
    try {
      parseIdentityKey(new Uint8Array(33));
      throw new Error('expected a refusal');
    } catch (error) {
      expect(error).toBeInstanceOf(BadUserInputError);
      // Not toBeInstanceOf(Error): libsignal's errors come from another realm under jest's VM modules.
      expect((error as Error).cause).toMatchObject({ message: expect.any(String) });
    }
  });
});

describe('parseRegistrationId', () => {
  it('accepts 1..0x3FFF', () => {
    expect(parseRegistrationId(1)).toBe(1);
    expect(parseRegistrationId(0x3fff)).toBe(0x3fff);
  });

  it.each([0, -1, 0x4000, 1.5, Number.NaN])('refuses %p', (id) => {
    expectBadInput(() => parseRegistrationId(id), /^registrationId must be an integer/);
  });
});

describe('verifySignedPreKey', () => {
  it('accepts a signed prekey signed by the identity key', () => {
    const preKey = decodeSigned(input.signedPreKey);
    expect(verifySignedPreKey(identityKey, preKey)).toEqual(preKey);
  });

  it('refuses a signature by another identity', () => {
    const preKey = decodeSigned(input.signedPreKey);
    const signature = other.privateKey.sign(new Uint8Array(preKey.publicKey));
    expectBadInput(
      () => verifySignedPreKey(identityKey, { ...preKey, signature }),
      /^signedPreKey\.signature does not verify against identityKey$/,
    );
  });

  it('refuses a signature of another key', () => {
    const preKey = decodeSigned(input.signedPreKey);
    const otherKey = PrivateKey.generate().getPublicKey().serialize();
    expectBadInput(
      () => verifySignedPreKey(identityKey, { ...preKey, publicKey: otherKey }),
      /^signedPreKey\.signature does not verify/,
    );
  });

  it('refuses a signature of the wrong length', () => {
    const preKey = decodeSigned(input.signedPreKey);
    expectBadInput(
      () => verifySignedPreKey(identityKey, { ...preKey, signature: preKey.signature.slice(1) }),
      /^signedPreKey\.signature must be 64 bytes$/,
    );
  });

  it('refuses a public key of the wrong length or type', () => {
    const preKey = decodeSigned(input.signedPreKey);
    expectBadInput(
      () => verifySignedPreKey(identityKey, { ...preKey, publicKey: preKey.publicKey.slice(1) }),
      /^signedPreKey\.publicKey must be a 33-byte/,
    );
    expectBadInput(
      () => verifySignedPreKey(identityKey, { ...preKey, publicKey: new Uint8Array(33) }),
      /^signedPreKey\.publicKey is not a valid Curve25519/,
    );
  });

  it.each([-1, MAX_PRE_KEY_ID + 1, 2 ** 31, 1.5])('refuses key id %p', (keyId) => {
    const preKey = decodeSigned(input.signedPreKey);
    expectBadInput(
      () => verifySignedPreKey(identityKey, { ...preKey, keyId }),
      /^signedPreKey\.keyId must be an integer from 0 to 16777215$/,
    );
  });

  it('accepts the key id bounds', () => {
    const preKey = decodeSigned(input.signedPreKey);
    expect(verifySignedPreKey(identityKey, { ...preKey, keyId: 0 }).keyId).toBe(0);
    expect(verifySignedPreKey(identityKey, { ...preKey, keyId: MAX_PRE_KEY_ID }).keyId).toBe(
      MAX_PRE_KEY_ID,
    );
  });
});

describe('verifyKyberPreKey', () => {
  it('accepts the last-resort and one-time Kyber prekeys', () => {
    const lastResort = decodeSigned(input.kyberLastResortPreKey);
    expect(verifyKyberPreKey(identityKey, lastResort, 'kyberLastResortPreKey')).toEqual(lastResort);
    for (const [index, kyber] of (input.kyberPreKeys ?? []).entries()) {
      const preKey = decodeSigned(kyber);
      expect(verifyKyberPreKey(identityKey, preKey, `kyberPreKeys[${index}]`)).toEqual(preKey);
    }
    expect(input.kyberPreKeys).toHaveLength(2);
  });

  it('verifies over the serialization with its type byte', () => {
    const keyPair = KEMKeyPair.generate();
    const serialized = keyPair.getPublicKey().serialize();
    const identity = IdentityKeyPair.generate();
    const withoutTypeByte = identity.privateKey.sign(serialized.slice(1));
    expectBadInput(
      () =>
        verifyKyberPreKey(identity.publicKey, {
          keyId: 1,
          publicKey: serialized,
          signature: withoutTypeByte,
        }),
      /^kyberPreKey\.signature does not verify/,
    );
  });

  it('refuses a signature by another identity', () => {
    const preKey = decodeSigned(input.kyberLastResortPreKey);
    const signature = other.privateKey.sign(new Uint8Array(preKey.publicKey));
    expectBadInput(
      () => verifyKyberPreKey(identityKey, { ...preKey, signature }, 'kyberLastResortPreKey'),
      /^kyberLastResortPreKey\.signature does not verify against identityKey$/,
    );
  });

  it('refuses a signature of another key', () => {
    const preKey = decodeSigned(input.kyberLastResortPreKey);
    const otherKey = KEMKeyPair.generate().getPublicKey().serialize();
    expectBadInput(
      () => verifyKyberPreKey(identityKey, { ...preKey, publicKey: otherKey }),
      /^kyberPreKey\.signature does not verify/,
    );
  });

  it.each([
    ['empty', () => new Uint8Array(0)],
    ['an EC key', () => fromBase64(input.signedPreKey.publicKey)],
    ['truncated', () => fromBase64(input.kyberLastResortPreKey.publicKey).slice(0, 1000)],
    ['garbage', () => new Uint8Array(1569).fill(0xab)],
  ])('refuses a public key that is %s', (_case, publicKey) => {
    const preKey = decodeSigned(input.kyberLastResortPreKey);
    expectBadInput(
      () =>
        verifyKyberPreKey(identityKey, { ...preKey, publicKey: publicKey() }, 'kyberPreKeys[1]'),
      /^kyberPreKeys\[1\]\.publicKey is not a valid Kyber public key$/,
    );
  });

  it('refuses a key id out of range', () => {
    const preKey = decodeSigned(input.kyberLastResortPreKey);
    expectBadInput(
      () => verifyKyberPreKey(identityKey, { ...preKey, keyId: 2 ** 24 }),
      /^kyberPreKey\.keyId must be an integer/,
    );
  });
});

describe('parseOneTimePreKey', () => {
  it('accepts the one-time EC prekeys', () => {
    for (const [index, raw] of (input.preKeys ?? []).entries()) {
      const preKey = { keyId: raw.keyId, publicKey: fromBase64(raw.publicKey) };
      expect(parseOneTimePreKey(preKey, `preKeys[${index}]`)).toEqual(preKey);
    }
    expect(input.preKeys).toHaveLength(2);
  });

  it('refuses a key of the wrong length, garbage, or an id out of range', () => {
    const first = input.preKeys?.[0];
    if (first === undefined) throw new Error('the device has no one-time prekeys');
    const publicKey = fromBase64(first.publicKey);
    expectBadInput(
      () => parseOneTimePreKey({ keyId: 1, publicKey: publicKey.slice(0, 32) }, 'preKeys[0]'),
      /^preKeys\[0\]\.publicKey must be a 33-byte/,
    );
    expectBadInput(
      () => parseOneTimePreKey({ keyId: 1, publicKey: new Uint8Array(33).fill(9) }),
      /^preKey\.publicKey is not a valid Curve25519/,
    );
    expectBadInput(
      () => parseOneTimePreKey({ keyId: -1, publicKey }, 'preKeys[0]'),
      /^preKeys\[0\]\.keyId must be an integer/,
    );
  });
});
