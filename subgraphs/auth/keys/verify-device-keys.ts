import type { PublicKey } from '@signalapp/libsignal-client';
import type { DeviceKeyUpload, NewDevice, PreKeyRecord, SignedPreKeyRecord } from '../store.js';
import {
  checkListSize,
  checkUniqueKeyIds,
  maxKeysPerUpload,
  normalizeDeviceName,
} from '../validation.js';
import {
  parseIdentityKey,
  parseOneTimePreKey,
  parseRegistrationId,
  verifyKyberPreKey,
  verifySignedPreKey,
} from './signal-keys.js';

/** Keys as they arrive from a client (bytes already base64-decoded), not yet verified. */
export interface DeviceKeysInput {
  readonly name?: string | null;
  readonly registrationId: number;
  readonly identityKey: Uint8Array;
  readonly signedPreKey: SignedPreKeyRecord;
  readonly kyberLastResortPreKey: SignedPreKeyRecord;
  readonly preKeys?: readonly PreKeyRecord[] | null;
  readonly kyberPreKeys?: readonly SignedPreKeyRecord[] | null;
}

export interface UploadPreKeysInput {
  readonly signedPreKey?: SignedPreKeyRecord | null;
  readonly kyberLastResortPreKey?: SignedPreKeyRecord | null;
  readonly preKeys?: readonly PreKeyRecord[] | null;
  readonly kyberPreKeys?: readonly SignedPreKeyRecord[] | null;
}

/** Verifies every key of a new device against its identity key; nothing is stored yet. */
export function verifyNewDevice(input: DeviceKeysInput): NewDevice {
  const identityKey = parseIdentityKey(input.identityKey);
  return {
    registrationId: parseRegistrationId(input.registrationId),
    name: normalizeDeviceName(input.name),
    identityKey: identityKey.serialize(),
    signedPreKey: verifySignedPreKey(identityKey, input.signedPreKey),
    kyberLastResortPreKey: verifyKyberPreKey(
      identityKey,
      input.kyberLastResortPreKey,
      'kyberLastResortPreKey',
    ),
    ...verifyOneTimeKeys(identityKey, input),
  };
}

export function verifyKeyUpload(
  identityKey: PublicKey,
  input: UploadPreKeysInput,
): DeviceKeyUpload {
  const { signedPreKey, kyberLastResortPreKey } = input;
  return {
    ...(signedPreKey ? { signedPreKey: verifySignedPreKey(identityKey, signedPreKey) } : {}),
    ...(kyberLastResortPreKey
      ? {
          kyberLastResortPreKey: verifyKyberPreKey(
            identityKey,
            kyberLastResortPreKey,
            'kyberLastResortPreKey',
          ),
        }
      : {}),
    ...verifyOneTimeKeys(identityKey, input),
  };
}

function verifyOneTimeKeys(
  identityKey: PublicKey,
  input: Pick<UploadPreKeysInput, 'preKeys' | 'kyberPreKeys'>,
): Pick<DeviceKeyUpload, 'preKeys' | 'kyberPreKeys'> {
  const preKeys = input.preKeys ?? [];
  const kyberPreKeys = input.kyberPreKeys ?? [];
  checkListSize(preKeys, maxKeysPerUpload, 'preKeys');
  checkListSize(kyberPreKeys, maxKeysPerUpload, 'kyberPreKeys');
  checkUniqueKeyIds(preKeys, 'preKeys');
  checkUniqueKeyIds(kyberPreKeys, 'kyberPreKeys');
  return {
    preKeys: preKeys.map((key, index) => parseOneTimePreKey(key, `preKeys[${index}]`)),
    kyberPreKeys: kyberPreKeys.map((key, index) =>
      verifyKyberPreKey(identityKey, key, `kyberPreKeys[${index}]`),
    ),
  };
}
