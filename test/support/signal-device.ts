/**
 * A real Signal device for tests: libsignal key material shaped like the GraphQL inputs of
 * schema/api.graphql, private records kept in in-memory stores, and the session calls an
 * end-to-end test needs (build a session from a claimed `PreKeyBundle`, encrypt, decrypt).
 */
import { randomInt, randomUUID } from 'node:crypto';
import {
  decryptFrom as sdkDecryptFrom,
  encryptFor as sdkEncryptFor,
  startSession,
  type SignalParty,
} from '@guardyn/client';
import {
  IdentityKeyPair,
  KEMKeyPair,
  PreKeyRecord,
  PrivateKey,
  ProtocolAddress,
  SignedPreKeyRecord,
  KyberPreKeyRecord,
} from '@signalapp/libsignal-client';
import { createSignalProtocolStores } from './signal-stores.js';
import type { SignalProtocolStores } from './signal-stores.js';

/** `PreKeyInput` of schema/api.graphql: base64 fields. */
export interface PreKeyInput {
  keyId: number;
  publicKey: string;
}

/** `SignedPreKeyInput` of schema/api.graphql, for EC signed prekeys and Kyber prekeys alike. */
export interface SignedPreKeyInput extends PreKeyInput {
  signature: string;
}

/** `DeviceKeysInput` of schema/api.graphql. */
export interface DeviceKeysInput {
  name?: string | null;
  registrationId: number;
  identityKey: string;
  signedPreKey: SignedPreKeyInput;
  kyberLastResortPreKey: SignedPreKeyInput;
  preKeys?: PreKeyInput[] | null;
  kyberPreKeys?: SignedPreKeyInput[] | null;
}

/** `PreKeyBundle` of schema/api.graphql, as `claimPreKeyBundles` returns it. */
export interface PreKeyBundleResponse {
  userId: string;
  deviceId: number;
  registrationId: number;
  identityKey: string;
  signedPreKey: SignedPreKeyInput;
  preKey: PreKeyInput | null;
  kyberPreKey: SignedPreKeyInput;
}

/** Where a Signal message goes or comes from: a user's device. */
export interface SignalAddress {
  readonly userId: string;
  readonly deviceId: number;
}

/** A device's key material and protocol state. Records are also saved in `stores`. */
export interface TestDevice extends SignalAddress {
  readonly address: ProtocolAddress;
  readonly registrationId: number;
  readonly identityKeyPair: IdentityKeyPair;
  readonly signedPreKey: SignedPreKeyRecord;
  readonly kyberLastResortPreKey: KyberPreKeyRecord;
  /** One-time EC prekeys generated so far (consumed ones included). */
  readonly preKeys: PreKeyRecord[];
  /** One-time Kyber prekeys generated so far (consumed ones included). */
  readonly kyberPreKeys: KyberPreKeyRecord[];
  readonly stores: SignalProtocolStores;
}

/** Options of {@link createTestDevice}. */
export interface TestDeviceOptions {
  /** @default a random UUID */
  readonly userId?: string;
  /** libsignal accepts 1..127. @default 1 */
  readonly deviceId?: number;
  /** Another device's identity, for an account whose devices share one (as Signal's do). @default a new one */
  readonly identityKeyPair?: IdentityKeyPair;
  /** How many one-time EC prekeys to generate. @default 5 */
  readonly preKeys?: number;
  /** How many one-time Kyber prekeys to generate. @default 5 */
  readonly kyberPreKeys?: number;
}

/** A signed prekey and signed Kyber last-resort prekey both use id 1. */
const SIGNED_PRE_KEY_ID = 1;
const KYBER_LAST_RESORT_PRE_KEY_ID = 1;

/**
 * Generates a device like a real client does: identity key pair, registration id (1..0x3FFF),
 * signed EC prekey (id 1), Kyber last-resort prekey (id 1), one-time EC prekeys (ids 1..n) and
 * one-time Kyber prekeys (ids 2..m+1, sharing the Kyber id space with the last-resort key).
 */
export async function createTestDevice(options: TestDeviceOptions = {}): Promise<TestDevice> {
  const userId = options.userId ?? randomUUID();
  const deviceId = options.deviceId ?? 1;
  const identityKeyPair = options.identityKeyPair ?? IdentityKeyPair.generate();
  const registrationId = randomInt(1, 0x3fff + 1);
  const stores = createSignalProtocolStores(identityKeyPair, registrationId);
  const now = Date.now();

  const signedKey = PrivateKey.generate();
  const signedPreKey = SignedPreKeyRecord.new(
    SIGNED_PRE_KEY_ID,
    now,
    signedKey.getPublicKey(),
    signedKey,
    identityKeyPair.privateKey.sign(signedKey.getPublicKey().serialize()),
  );
  await stores.signedPreKeys.saveSignedPreKey(SIGNED_PRE_KEY_ID, signedPreKey);

  const kyberLastResortPreKey = signedKyberPreKey(identityKeyPair, KYBER_LAST_RESORT_PRE_KEY_ID);
  await stores.kyberPreKeys.saveLastResortKyberPreKey(
    KYBER_LAST_RESORT_PRE_KEY_ID,
    kyberLastResortPreKey,
  );

  const device: TestDevice = {
    userId,
    deviceId,
    address: ProtocolAddress.new(userId, deviceId),
    registrationId,
    identityKeyPair,
    signedPreKey,
    kyberLastResortPreKey,
    preKeys: [],
    kyberPreKeys: [],
    stores,
  };
  await addOneTimePreKeys(device, {
    preKeys: options.preKeys ?? 5,
    kyberPreKeys: options.kyberPreKeys ?? 5,
  });
  return device;
}

/**
 * Generates more one-time prekeys with fresh ids, saves them, and returns them shaped like the
 * `preKeys` and `kyberPreKeys` of `UploadPreKeysInput`.
 */
export async function addOneTimePreKeys(
  device: TestDevice,
  counts: { readonly preKeys?: number; readonly kyberPreKeys?: number },
): Promise<{ preKeys: PreKeyInput[]; kyberPreKeys: SignedPreKeyInput[] }> {
  const preKeys: PreKeyRecord[] = [];
  for (let i = 0; i < (counts.preKeys ?? 0); i += 1) {
    const id = (device.preKeys.at(-1)?.id() ?? 0) + 1;
    const key = PrivateKey.generate();
    const record = PreKeyRecord.new(id, key.getPublicKey(), key);
    await device.stores.preKeys.savePreKey(id, record);
    device.preKeys.push(record);
    preKeys.push(record);
  }
  const kyberPreKeys: KyberPreKeyRecord[] = [];
  for (let i = 0; i < (counts.kyberPreKeys ?? 0); i += 1) {
    const id = (device.kyberPreKeys.at(-1)?.id() ?? KYBER_LAST_RESORT_PRE_KEY_ID) + 1;
    const record = signedKyberPreKey(device.identityKeyPair, id);
    await device.stores.kyberPreKeys.saveKyberPreKey(id, record);
    device.kyberPreKeys.push(record);
    kyberPreKeys.push(record);
  }
  return { preKeys: preKeys.map(preKeyInput), kyberPreKeys: kyberPreKeys.map(signedPreKeyInput) };
}

/** The device's public keys as a `DeviceKeysInput` (for `register` or `login.newDevice`). */
export function toDeviceKeysInput(device: TestDevice, name?: string): DeviceKeysInput {
  return {
    ...(name === undefined ? {} : { name }),
    registrationId: device.registrationId,
    identityKey: toBase64(device.identityKeyPair.publicKey.serialize()),
    signedPreKey: signedPreKeyInput(device.signedPreKey),
    kyberLastResortPreKey: signedPreKeyInput(device.kyberLastResortPreKey),
    preKeys: device.preKeys.map(preKeyInput),
    kyberPreKeys: device.kyberPreKeys.map(signedPreKeyInput),
  };
}

/**
 * The bundle the server would hand out for this device, without a server: by default its first
 * one-time EC prekey (or none) and first one-time Kyber prekey (or the last-resort one).
 */
export function toPreKeyBundleResponse(
  device: TestDevice,
  choice: { readonly preKeyId?: number | null; readonly kyberPreKeyId?: number } = {},
): PreKeyBundleResponse {
  const preKeyId = choice.preKeyId === undefined ? device.preKeys[0]?.id() : choice.preKeyId;
  const preKey = device.preKeys.find((record) => record.id() === preKeyId);
  const kyberPreKeyId =
    choice.kyberPreKeyId ?? device.kyberPreKeys[0]?.id() ?? KYBER_LAST_RESORT_PRE_KEY_ID;
  const kyberPreKey =
    device.kyberPreKeys.find((record) => record.id() === kyberPreKeyId) ??
    device.kyberLastResortPreKey;
  return {
    userId: device.userId,
    deviceId: device.deviceId,
    registrationId: device.registrationId,
    identityKey: toBase64(device.identityKeyPair.publicKey.serialize()),
    signedPreKey: signedPreKeyInput(device.signedPreKey),
    preKey: preKey === undefined ? null : preKeyInput(preKey),
    kyberPreKey: signedPreKeyInput(kyberPreKey),
  };
}

/**
 * Starts a session from a claimed bundle (base64 fields, as the API returns it) with PQXDH:
 * libsignal checks both prekey signatures against the bundle's identity key.
 *
 * @returns the address of the bundle's device, for {@link encryptFor}.
 * @throws libsignal's error when a signature does not verify or the identity is untrusted.
 */
export async function buildSessionFromBundle(
  sender: TestDevice,
  bundle: PreKeyBundleResponse,
): Promise<SignalAddress> {
  await startSession(party(sender), bundle);
  return { userId: bundle.userId, deviceId: bundle.deviceId };
}

/** The `EnvelopeType`s a one-to-one Signal message travels as. */
export type SignalEnvelopeType = 'PREKEY_MESSAGE' | 'SIGNAL_MESSAGE';

/** An encrypted message shaped like an `OutgoingEnvelope`'s `type` and `content`. */
export interface SignalEnvelope {
  readonly type: SignalEnvelopeType;
  /** Base64 of the serialized libsignal message. */
  readonly content: string;
}

/**
 * Encrypts for a device the sender has a session with: a `PREKEY_MESSAGE` until the recipient
 * answers, then `SIGNAL_MESSAGE`s.
 */
export function encryptFor(
  sender: TestDevice,
  recipient: SignalAddress,
  plaintext: Uint8Array | string,
): Promise<SignalEnvelope> {
  const bytes =
    typeof plaintext === 'string' ? new TextEncoder().encode(plaintext) : new Uint8Array(plaintext);
  return sdkEncryptFor(party(sender), recipient, bytes);
}

/**
 * Decrypts a message from `sender`; a `PREKEY_MESSAGE` also sets up the session and consumes
 * the one-time prekeys it used.
 *
 * @param content base64, as an `Envelope.content`.
 * @returns the plaintext bytes.
 */
export function decryptFrom(
  receiver: TestDevice,
  sender: SignalAddress,
  content: string,
  type: SignalEnvelopeType,
): Promise<Uint8Array> {
  return sdkDecryptFrom(party(receiver), sender, type, content);
}

/** A test device as the SDK's session functions take it. */
function party(device: TestDevice): SignalParty {
  return { address: device.address, signal: device.stores };
}

/** Standard base64, as the `Base64` scalar carries bytes. */
export function toBase64(bytes: Uint8Array): string {
  return Buffer.from(bytes).toString('base64');
}

/** Bytes of a standard base64 string. */
export function fromBase64(text: string): Uint8Array<ArrayBuffer> {
  return new Uint8Array(Buffer.from(text, 'base64'));
}

/** The libsignal address of a user's device. */
export function protocolAddress(address: SignalAddress): ProtocolAddress {
  return ProtocolAddress.new(address.userId, address.deviceId);
}

function signedKyberPreKey(identityKeyPair: IdentityKeyPair, id: number): KyberPreKeyRecord {
  const keyPair = KEMKeyPair.generate();
  const signature = identityKeyPair.privateKey.sign(keyPair.getPublicKey().serialize());
  return KyberPreKeyRecord.new(id, Date.now(), keyPair, signature);
}

function preKeyInput(record: PreKeyRecord): PreKeyInput {
  return { keyId: record.id(), publicKey: toBase64(record.publicKey().serialize()) };
}

function signedPreKeyInput(record: SignedPreKeyRecord | KyberPreKeyRecord): SignedPreKeyInput {
  return {
    keyId: record.id(),
    publicKey: toBase64(record.publicKey().serialize()),
    signature: toBase64(record.signature()),
  };
}
