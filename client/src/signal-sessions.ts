/**
 * libsignal sessions with other devices: built from bundles the server hands out (PQXDH: both
 * prekey signatures are checked against the bundle's identity key), used to encrypt and decrypt
 * one-to-one messages.
 */
import {
  CiphertextMessageType,
  KEMPublicKey,
  PreKeyBundle,
  PreKeySignalMessage,
  ProtocolAddress,
  PublicKey,
  SignalMessage,
  processPreKeyBundle,
  signalDecrypt,
  signalDecryptPreKey,
  signalEncrypt,
} from '@signalapp/libsignal-client';
import {
  ClaimPreKeyBundlesDocument,
  type ClaimPreKeyBundlesMutation,
} from './generated/operations.js';
import type { Device } from './device.js';
import { fromBase64, toBase64 } from './encoding.js';
import type { SignalStores } from './signal-stores.js';

/** Who holds a libsignal session: a device's address and its stores (a Device is one). */
export interface SignalParty {
  readonly address: ProtocolAddress;
  readonly signal: SignalStores;
}

/** A user's device. */
export interface DeviceAddress {
  readonly userId: string;
  readonly deviceId: number;
}

export type ClaimedBundle = ClaimPreKeyBundlesMutation['claimPreKeyBundles'][number];

export function protocolAddress(address: DeviceAddress): ProtocolAddress {
  return ProtocolAddress.new(address.userId, address.deviceId);
}

/** The registration id of the device's current session with `address`, or null when none. */
export async function sessionRegistrationId(
  party: SignalParty,
  address: DeviceAddress,
): Promise<number | null> {
  const record = await party.signal.sessions.getSession(protocolAddress(address));
  return record?.hasCurrentState() ? record.remoteRegistrationId() : null;
}

/** Claims bundles of some of a user's devices and starts a session with each. */
export async function startSessions(
  device: Device,
  userId: string,
  deviceIds: readonly number[],
): Promise<void> {
  if (deviceIds.length === 0) return;
  const { claimPreKeyBundles } = await device.session.request(ClaimPreKeyBundlesDocument, {
    userId,
    deviceIds: [...deviceIds],
  });
  for (const bundle of claimPreKeyBundles) await startSession(device, bundle);
}

/** Starts a session from one claimed bundle; libsignal throws on a bad signature. */
export async function startSession(party: SignalParty, bundle: ClaimedBundle): Promise<void> {
  const preKeyBundle = PreKeyBundle.new(
    bundle.registrationId,
    bundle.deviceId,
    bundle.preKey?.keyId ?? null,
    bundle.preKey ? PublicKey.deserialize(fromBase64(bundle.preKey.publicKey)) : null,
    bundle.signedPreKey.keyId,
    PublicKey.deserialize(fromBase64(bundle.signedPreKey.publicKey)),
    fromBase64(bundle.signedPreKey.signature),
    PublicKey.deserialize(fromBase64(bundle.identityKey)),
    bundle.kyberPreKey.keyId,
    KEMPublicKey.deserialize(fromBase64(bundle.kyberPreKey.publicKey)),
    fromBase64(bundle.kyberPreKey.signature),
  );
  await processPreKeyBundle(
    preKeyBundle,
    protocolAddress(bundle),
    party.address,
    party.signal.sessions,
    party.signal.identity,
  );
}

export type SignalEnvelopeType = 'PREKEY_MESSAGE' | 'SIGNAL_MESSAGE';

/** Encrypts for a device with a session: PREKEY_MESSAGE until it answers, then SIGNAL_MESSAGE. */
export async function encryptFor(
  party: SignalParty,
  recipient: DeviceAddress,
  plaintext: Uint8Array<ArrayBuffer>,
): Promise<{ type: SignalEnvelopeType; content: string }> {
  const message = await signalEncrypt(
    plaintext,
    protocolAddress(recipient),
    party.address,
    party.signal.sessions,
    party.signal.identity,
  );
  const type = message.type();
  if (type !== CiphertextMessageType.PreKey && type !== CiphertextMessageType.Whisper) {
    throw new Error(`unexpected ciphertext message type ${type}`);
  }
  return {
    type: type === CiphertextMessageType.PreKey ? 'PREKEY_MESSAGE' : 'SIGNAL_MESSAGE',
    content: toBase64(message.serialize()),
  };
}

/** Decrypts a one-to-one message; a PREKEY_MESSAGE also sets up the session and uses up prekeys. */
export async function decryptFrom(
  party: SignalParty,
  sender: DeviceAddress,
  type: SignalEnvelopeType,
  content: string,
): Promise<Uint8Array<ArrayBuffer>> {
  const bytes = fromBase64(content);
  const { signal } = party;
  if (type === 'PREKEY_MESSAGE') {
    return signalDecryptPreKey(
      PreKeySignalMessage.deserialize(bytes),
      protocolAddress(sender),
      party.address,
      signal.sessions,
      signal.identity,
      signal.preKeys,
      signal.signedPreKeys,
      signal.kyberPreKeys,
    );
  }
  return signalDecrypt(
    SignalMessage.deserialize(bytes),
    protocolAddress(sender),
    party.address,
    signal.sessions,
    signal.identity,
  );
}
