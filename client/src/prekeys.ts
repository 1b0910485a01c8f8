/**
 * Prekey generation for one device, saved in its stores and shaped like the API's inputs:
 * the signed EC prekey, the Kyber last-resort prekey (both signed by the identity key, as PQXDH
 * requires) and batches of one-time EC and Kyber prekeys with ids continuing from the account's
 * counters.
 */
import {
  KEMKeyPair,
  KyberPreKeyRecord,
  PreKeyRecord,
  PrivateKey,
  SignedPreKeyRecord,
  type IdentityKeyPair,
} from '@signalapp/libsignal-client';
import type { PreKeyInput, SignedPreKeyInput } from './generated/operations.js';
import { toBase64 } from './encoding.js';
import type { SignalStores } from './signal-stores.js';

/** The counters of {@link AccountRecord} that key generation advances. */
export interface PreKeyCounters {
  readonly nextPreKeyId: number;
  readonly nextKyberPreKeyId: number;
}

/** A signed EC prekey and a Kyber last-resort prekey, saved, as `UploadPreKeysInput` takes them. */
export async function generateSignedPreKeys(
  identity: IdentityKeyPair,
  stores: SignalStores,
  ids: { readonly signedPreKeyId: number; readonly kyberPreKeyId: number },
): Promise<{ signedPreKey: SignedPreKeyInput; kyberLastResortPreKey: SignedPreKeyInput }> {
  const key = PrivateKey.generate();
  const signed = SignedPreKeyRecord.new(
    ids.signedPreKeyId,
    Date.now(),
    key.getPublicKey(),
    key,
    identity.privateKey.sign(key.getPublicKey().serialize()),
  );
  await stores.signedPreKeys.saveSignedPreKey(ids.signedPreKeyId, signed);
  const lastResort = kyberPreKey(identity, ids.kyberPreKeyId);
  await stores.kyberPreKeys.saveLastResortKyberPreKey(ids.kyberPreKeyId, lastResort);
  return { signedPreKey: signedInput(signed), kyberLastResortPreKey: signedInput(lastResort) };
}

/** `count` one-time EC and Kyber prekeys, saved; returns them and the advanced counters. */
export async function generateOneTimePreKeys(
  identity: IdentityKeyPair,
  stores: SignalStores,
  counters: PreKeyCounters,
  count: { readonly ec: number; readonly kyber: number },
): Promise<{
  preKeys: PreKeyInput[];
  kyberPreKeys: SignedPreKeyInput[];
  counters: PreKeyCounters;
}> {
  const preKeys: PreKeyInput[] = [];
  for (let i = 0; i < count.ec; i += 1) {
    const id = counters.nextPreKeyId + i;
    const key = PrivateKey.generate();
    await stores.preKeys.savePreKey(id, PreKeyRecord.new(id, key.getPublicKey(), key));
    preKeys.push({ keyId: id, publicKey: toBase64(key.getPublicKey().serialize()) });
  }
  const kyberPreKeys: SignedPreKeyInput[] = [];
  for (let i = 0; i < count.kyber; i += 1) {
    const id = counters.nextKyberPreKeyId + i;
    const record = kyberPreKey(identity, id);
    await stores.kyberPreKeys.saveKyberPreKey(id, record);
    kyberPreKeys.push(signedInput(record));
  }
  return {
    preKeys,
    kyberPreKeys,
    counters: {
      nextPreKeyId: counters.nextPreKeyId + count.ec,
      nextKyberPreKeyId: counters.nextKyberPreKeyId + count.kyber,
    },
  };
}

function kyberPreKey(identity: IdentityKeyPair, id: number): KyberPreKeyRecord {
  const keyPair = KEMKeyPair.generate();
  const signature = identity.privateKey.sign(keyPair.getPublicKey().serialize());
  return KyberPreKeyRecord.new(id, Date.now(), keyPair, signature);
}

function signedInput(record: SignedPreKeyRecord | KyberPreKeyRecord): SignedPreKeyInput {
  return {
    keyId: record.id(),
    publicKey: toBase64(record.publicKey().serialize()),
    signature: toBase64(record.signature()),
  };
}
