/**
 * How a device comes to be: `register` (a new account and its first device), `linkDevice` (a new
 * device of an existing account) and `login` (a device already in its store). New devices
 * generate every key locally (identity, registration id, signed and Kyber prekeys, one-time
 * prekeys), send only the public halves, and upload KeyPackages once the server has given them
 * their `<userId>.<deviceId>`.
 */
import { randomInt } from 'node:crypto';
import { IdentityKeyPair } from '@signalapp/libsignal-client';
import {
  LinkDeviceDocument,
  LoginDocument,
  RegisterDocument,
  type DeviceKeysInput,
  type RegisterMutation,
} from './generated/operations.js';
import { loadAccount, saveAccount } from './account.js';
import { Device, type KeyUpkeep } from './device.js';
import { toBase64 } from './encoding.js';
import { request } from './graphql.js';
import { cipherSuite } from './mls-keys.js';
import { generateOneTimePreKeys, generateSignedPreKeys } from './prekeys.js';
import { signalStores } from './signal-stores.js';
import type { GuardynStore } from './store.js';

type AuthPayload = RegisterMutation['register'];

interface Credentials {
  readonly username: string;
  readonly password: string;
}

/** The first ids: the last-resort Kyber prekey takes 1, one-time Kyber prekeys follow. */
const FIRST_IDS = { signedPreKeyId: 1, kyberPreKeyId: 1, nextPreKeyId: 1, nextKyberPreKeyId: 2 };

/** Creates a device's keys in `store`, has the server enrol it with `enrol`, and saves it. */
export async function enrolDevice(
  url: string,
  store: GuardynStore,
  upkeep: KeyUpkeep,
  username: string,
  enrol: (device: DeviceKeysInput) => Promise<AuthPayload>,
  deviceName?: string,
): Promise<Device> {
  if ((await loadAccount(store)) !== undefined) {
    throw new Error('the store already holds a device: use GuardynClient.login');
  }
  const identityKeyPair = IdentityKeyPair.generate();
  const registrationId = randomInt(1, 0x3fff + 1);
  const stores = signalStores(store, identityKeyPair, registrationId);
  const signed = await generateSignedPreKeys(identityKeyPair, stores, FIRST_IDS);
  const oneTime = await generateOneTimePreKeys(identityKeyPair, stores, FIRST_IDS, {
    ec: upkeep.preKeyBatch,
    kyber: upkeep.preKeyBatch,
  });
  const payload = await enrol({
    ...(deviceName === undefined ? {} : { name: deviceName }),
    registrationId,
    identityKey: toBase64(identityKeyPair.publicKey.serialize()),
    ...signed,
    preKeys: oneTime.preKeys,
    kyberPreKeys: oneTime.kyberPreKeys,
  });
  const signatureKey = await (await cipherSuite()).signature.keygen();
  await saveAccount(store, {
    userId: payload.user.id,
    deviceId: payload.device.deviceId,
    username,
    registrationId,
    identityKeyPair: toBase64(identityKeyPair.serialize()),
    tokens: payload,
    ...oneTime.counters,
    signedPreKeyId: FIRST_IDS.signedPreKeyId,
    signedPreKeyCreatedAt: Date.now(),
    mlsSignatureKey: {
      signKey: toBase64(signatureKey.signKey),
      publicKey: toBase64(signatureKey.publicKey),
    },
  });
  const device = await Device.open(url, store, upkeep);
  await device.uploadKeyPackages(upkeep.keyPackageBatch, { lastResort: true });
  return device;
}

/** Who signs a new device up: a new account (`register`) or an existing one (`link`). */
export type Enrolment = 'register' | 'link';

export function newDevice(
  kind: Enrolment,
  url: string,
  store: GuardynStore,
  upkeep: KeyUpkeep,
  credentials: Credentials & { readonly deviceName?: string },
): Promise<Device> {
  const { username, password } = credentials;
  const enrol = async (device: DeviceKeysInput): Promise<AuthPayload> =>
    kind === 'register'
      ? (await request(url, RegisterDocument, { input: { username, password, device } })).register
      : (
          await request(url, LinkDeviceDocument, {
            input: { username, password, newDevice: device },
          })
        ).login;
  return enrolDevice(url, store, upkeep, username, enrol, credentials.deviceName);
}

/** Signs in again as the device in `store`, then rotates and replenishes keys as needed. */
export async function loginDevice(
  url: string,
  store: GuardynStore,
  upkeep: KeyUpkeep,
  credentials: Credentials,
): Promise<Device> {
  const account = await loadAccount(store);
  if (account === undefined) throw new Error('the store holds no device: register or link one');
  const { login } = await request(url, LoginDocument, {
    input: {
      username: credentials.username,
      password: credentials.password,
      deviceId: account.deviceId,
    },
  });
  const device = await Device.open(url, store, upkeep, login);
  await device.rotateSignedPreKeysIfOld();
  await device.replenishPreKeys();
  return device;
}

/** Opens the device in `store` with its saved tokens (refreshed when expired or refused). */
export async function resumeDevice(
  url: string,
  store: GuardynStore,
  upkeep: KeyUpkeep,
): Promise<Device> {
  const device = await Device.open(url, store, upkeep);
  await device.rotateSignedPreKeysIfOld();
  await device.replenishPreKeys();
  return device;
}
