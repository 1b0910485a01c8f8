/**
 * Validation of the Signal (libsignal, PQXDH) public keys a device uploads: its identity key,
 * signed EC prekey, Kyber prekeys (last-resort and one-time) and one-time EC prekeys.
 *
 * Inputs are raw bytes (already base64-decoded). Every refusal is a `BadUserInputError` whose
 * message names the offending field; libsignal's own exceptions never escape (they ride along
 * as `cause`). Nothing here touches storage: these functions are pure checks.
 */
import { KEMPublicKey, PublicKey } from '@signalapp/libsignal-client';
import { BadUserInputError } from '../../../shared/errors/index.js';

/** A serialized Curve25519 public key: the type byte `0x05` and 32 key bytes. */
export const EC_PUBLIC_KEY_BYTES = 33;

/** An XEdDSA signature made with a Curve25519 identity key. */
export const SIGNATURE_BYTES = 64;

/**
 * Largest prekey id we accept (ids start at 0). libsignal stores prekey ids as `u32`, but every
 * Signal client draws them below 2^24 (`Medium.MAX_VALUE` = 0xFFFFFF in libsignal-java, the same
 * bound in Signal-Desktop and Signal-Server), and 24 bits keep them safely inside GraphQL's `Int`.
 */
export const MAX_PRE_KEY_ID = 0xffffff;

/**
 * Registration ids are 14-bit and never 0: libsignal refuses ids above 0x3FFF in sealed-sender
 * messages, and Signal-Server validates `0 < id <= 0x3FFF`.
 */
export const MAX_REGISTRATION_ID = 0x3fff;

/** A one-time EC prekey as uploaded: its id and serialized public key. */
export interface PreKeyBytes {
  readonly keyId: number;
  readonly publicKey: Uint8Array;
}

/**
 * A signed prekey as uploaded: its id, serialized public key (EC or Kyber) and the identity key's
 * signature over that serialized public key.
 */
export interface SignedPreKeyBytes extends PreKeyBytes {
  readonly signature: Uint8Array;
}

/**
 * Parses a device's identity key.
 *
 * @param bytes exactly 33 bytes: a serialized Curve25519 public key (type byte `0x05` first).
 * @param field the input field named in the error message. @default 'identityKey'
 * @returns the libsignal `PublicKey`, ready to verify prekey signatures.
 * @throws BadUserInputError when the length is wrong or libsignal cannot deserialize the key.
 */
export function parseIdentityKey(bytes: Uint8Array, field = 'identityKey'): PublicKey {
  return parseEcPublicKey(bytes, field);
}

/**
 * Checks a registration id: an integer in 1..{@link MAX_REGISTRATION_ID}.
 *
 * @param field the input field named in the error message. @default 'registrationId'
 * @returns the id unchanged.
 * @throws BadUserInputError when out of range or not an integer.
 */
export function parseRegistrationId(value: number, field = 'registrationId'): number {
  if (!Number.isInteger(value) || value < 1 || value > MAX_REGISTRATION_ID) {
    throw new BadUserInputError(`${field} must be an integer from 1 to ${MAX_REGISTRATION_ID}`, {
      field,
    });
  }
  return value;
}

/**
 * Checks a prekey id: an integer in 0..{@link MAX_PRE_KEY_ID} (24 bits).
 *
 * @param field the input field named in the error message, e.g. `preKeys[3].keyId`.
 * @returns the id unchanged.
 * @throws BadUserInputError when out of range or not an integer.
 */
export function parsePreKeyId(value: number, field: string): number {
  if (!Number.isInteger(value) || value < 0 || value > MAX_PRE_KEY_ID) {
    throw new BadUserInputError(`${field} must be an integer from 0 to ${MAX_PRE_KEY_ID}`, {
      field,
    });
  }
  return value;
}

/**
 * Validates a signed EC prekey: a 24-bit key id, a 33-byte Curve25519 public key, and a 64-byte
 * signature by the identity key over the serialized public key (what libsignal's
 * `SignedPreKeyRecord` carries and `processPreKeyBundle` checks).
 *
 * @param field the input field named in error messages. @default 'signedPreKey'
 * @returns a copy of the prekey's fields.
 * @throws BadUserInputError naming `<field>.keyId`, `<field>.publicKey` or `<field>.signature`.
 */
export const verifySignedPreKey = signedPreKeyVerifier(parseEcPublicKey, 'signedPreKey');

/**
 * Validates a signed Kyber prekey (the last-resort one or a one-time one): a 24-bit key id, a
 * serialized KEM public key that libsignal deserializes (type byte then key: 1569 bytes for
 * Kyber1024), and a 64-byte signature by the identity key over that serialization
 * (`KEMPublicKey.serialize()`, type byte included, exactly what `KyberPreKeyRecord` carries and
 * `processPreKeyBundle` checks).
 *
 * @param field the input field named in error messages, e.g. `kyberPreKeys[0]`.
 *   @default 'kyberPreKey'
 * @returns a copy of the prekey's fields.
 * @throws BadUserInputError naming `<field>.keyId`, `<field>.publicKey` or `<field>.signature`.
 */
export const verifyKyberPreKey = signedPreKeyVerifier(parseKemPublicKey, 'kyberPreKey');

/**
 * Validates a one-time EC prekey: a 24-bit key id and a 33-byte Curve25519 public key.
 *
 * @param field the input field named in error messages, e.g. `preKeys[2]`. @default 'preKey'
 * @returns a copy of the prekey's fields.
 * @throws BadUserInputError naming `<field>.keyId` or `<field>.publicKey`.
 */
export function parseOneTimePreKey(preKey: PreKeyBytes, field = 'preKey'): PreKeyBytes {
  const keyId = parsePreKeyId(preKey.keyId, `${field}.keyId`);
  const publicKey = parseEcPublicKey(preKey.publicKey, `${field}.publicKey`);
  return { keyId, publicKey: publicKey.serialize() };
}

/**
 * A verifier of signed prekeys whose public key `parseKey` accepts: it checks the key id, parses the
 * key and checks the identity key's signature over the key's serialization.
 */
function signedPreKeyVerifier(
  parseKey: (bytes: Uint8Array, field: string) => { serialize(): Uint8Array<ArrayBuffer> },
  defaultField: string,
): (identityKey: PublicKey, preKey: SignedPreKeyBytes, field?: string) => SignedPreKeyBytes {
  return (identityKey, preKey, field = defaultField) => {
    const keyId = parsePreKeyId(preKey.keyId, `${field}.keyId`);
    const publicKey = parseKey(preKey.publicKey, `${field}.publicKey`).serialize();
    const signature = checkSignature(identityKey, publicKey, preKey.signature, field);
    return { keyId, publicKey, signature };
  };
}

function parseEcPublicKey(bytes: Uint8Array, field: string): PublicKey {
  // libsignal ignores trailing bytes after the 33 it reads, so the length is checked here.
  if (bytes.length !== EC_PUBLIC_KEY_BYTES) {
    throw new BadUserInputError(
      `${field} must be a ${EC_PUBLIC_KEY_BYTES}-byte serialized Curve25519 public key`,
      { field },
    );
  }
  try {
    return PublicKey.deserialize(new Uint8Array(bytes));
  } catch (cause) {
    throw new BadUserInputError(
      `${field} is not a valid Curve25519 public key`,
      { field },
      { cause },
    );
  }
}

function parseKemPublicKey(bytes: Uint8Array, field: string): KEMPublicKey {
  try {
    // libsignal checks the length against the key type named by the first byte.
    return KEMPublicKey.deserialize(new Uint8Array(bytes));
  } catch (cause) {
    throw new BadUserInputError(`${field} is not a valid Kyber public key`, { field }, { cause });
  }
}

function checkSignature(
  identityKey: PublicKey,
  signedBytes: Uint8Array<ArrayBuffer>,
  signature: Uint8Array,
  field: string,
): Uint8Array<ArrayBuffer> {
  const signatureField = `${field}.signature`;
  if (signature.length !== SIGNATURE_BYTES) {
    throw new BadUserInputError(`${signatureField} must be ${SIGNATURE_BYTES} bytes`, {
      field: signatureField,
    });
  }
  const copy = new Uint8Array(signature);
  let verified: boolean;
  try {
    verified = identityKey.verify(signedBytes, copy);
  } catch (cause) {
    throw new BadUserInputError(
      `${signatureField} does not verify against identityKey`,
      { field: signatureField },
      { cause },
    );
  }
  if (!verified) {
    throw new BadUserInputError(`${signatureField} does not verify against identityKey`, {
      field: signatureField,
    });
  }
  return copy;
}
