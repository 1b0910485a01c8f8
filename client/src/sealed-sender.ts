/**
 * Sealed sender's keys on the device, in the store's `sealedSender` and `contacts` sections: the
 * account's access key (made by the registering device), the trust root sender certificates are
 * checked against (pinned by the app, or trusted on first use), and the device's own sender
 * certificate (cached until an hour before it expires).
 */
import { randomBytes } from 'node:crypto';
import { PublicKey, SenderCertificate } from '@signalapp/libsignal-client';
import {
  SealedSenderTrustRootDocument,
  SenderCertificateDocument,
  SetUnidentifiedAccessDocument,
} from './generated/operations.js';
import { rememberAccessKey } from './contacts.js';
import type { Device } from './device.js';
import { fromBase64, toBase64 } from './encoding.js';
import { request } from './graphql.js';

const TRUST_ROOT = 'trustRoot';
const CERTIFICATE = 'senderCertificate';
/** A certificate this close to its expiry is replaced before use (the server's last 24 hours). */
const CERTIFICATE_MARGIN_MS = 60 * 60 * 1000;

/**
 * A new random 16-byte access key for the account, kept under the account's own user id and set
 * on the server (not unrestricted: only holders of the key may send sealed to the account).
 */
export async function createAccessKey(device: Device): Promise<void> {
  const accessKey = new Uint8Array(randomBytes(16));
  await rememberAccessKey(device, device.account.userId, accessKey);
  await device.session.request(SetUnidentifiedAccessDocument, {
    accessKey: toBase64(accessKey),
    unrestricted: false,
  });
}

/** Pins the trust root the app ships with (base64 of the serialized public key). */
export async function pinTrustRoot(device: Device, trustRoot: string): Promise<void> {
  PublicKey.deserialize(fromBase64(trustRoot)); // refuses a malformed pin now, not at first use
  await device.store.set('sealedSender', TRUST_ROOT, trustRoot);
}

/** The pinned trust root, or the server's, fetched once and kept (trust on first use). */
export async function trustRoot(device: Device): Promise<PublicKey> {
  let saved = await device.store.get('sealedSender', TRUST_ROOT);
  if (saved === undefined) {
    saved = (await request(device.session.url, SealedSenderTrustRootDocument, {}))
      .sealedSenderTrustRoot;
    await device.store.set('sealedSender', TRUST_ROOT, saved);
  }
  return PublicKey.deserialize(fromBase64(saved));
}

/** This device's sender certificate, fetched with its token when none is cached or it expires soon. */
export async function senderCertificate(device: Device): Promise<SenderCertificate> {
  const saved = await device.store.get('sealedSender', CERTIFICATE);
  if (saved !== undefined) {
    const cached = SenderCertificate.deserialize(fromBase64(saved));
    if (cached.expiration() - Date.now() > CERTIFICATE_MARGIN_MS) return cached;
  }
  const fresh = (await device.session.request(SenderCertificateDocument, {})).senderCertificate;
  await device.store.set('sealedSender', CERTIFICATE, fresh);
  return SenderCertificate.deserialize(fromBase64(fresh));
}
