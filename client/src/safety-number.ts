/**
 * Key pinning. Peers' identity keys are trusted on first use and kept in the store's `identities`
 * section; libsignal then refuses a session with a changed key (an UntrustedIdentity error). Two
 * people verify that no one sits in between by comparing safety numbers out of band: the same 60
 * digits on both sides (Signal's fingerprint, version 2, 5200 iterations, user ids as identifiers).
 */
import { Fingerprint } from '@signalapp/libsignal-client';
import type { Device } from './device.js';
import { protocolAddress } from './signal-sessions.js';

const ITERATIONS = 5200;
const VERSION = 2;

/** The safety number with a peer's device, or null before any session with it. */
export async function safetyNumber(
  device: Device,
  userId: string,
  deviceId: number,
): Promise<string | null> {
  const theirs = await device.signal.identity.getIdentity(protocolAddress({ userId, deviceId }));
  if (theirs === null) return null;
  const encode = (id: string) => new TextEncoder().encode(id);
  return Fingerprint.new(
    ITERATIONS,
    VERSION,
    encode(device.account.userId),
    device.identityKeyPair.publicKey,
    encode(userId),
    theirs,
  )
    .displayableFingerprint()
    .toString();
}

/**
 * Accepts a peer device's new identity key (after the user verified it): the pinned key is
 * forgotten and the old session dropped, so the next message sets up a session with the new key.
 */
export async function forgetIdentity(device: Device, userId: string, deviceId: number) {
  const address = protocolAddress({ userId, deviceId }).toString();
  await device.store.delete('identities', address);
  await device.store.delete('sessions', address);
}
