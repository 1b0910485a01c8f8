/**
 * The device's MLS identity (a basic credential `<userId>.<deviceId>` and one signature key) and
 * its KeyPackages: generated with a bounded lifetime, kept with their private keys in the store's
 * `keyPackages` section until a Welcome uses them, uploaded as encoded `MLSMessage` bytes.
 */
import {
  decodeMlsMessage,
  defaultCapabilities,
  encodeMlsMessage,
  generateKeyPackageWithKey,
  getCiphersuiteFromName,
  getCiphersuiteImpl,
  type CiphersuiteImpl,
  type KeyPackage,
  type PrivateKeyPackage,
} from 'ts-mls';
import { makeKeyPackageRef } from 'ts-mls/keyPackage.js';
import { fromBase64, toBase64 } from './encoding.js';
import type { GuardynStore } from './store.js';

/** RFC 9420's mandatory suite, 0x0001, which the server's KeyPackage checks accept. */
export const CIPHERSUITE = 'MLS_128_DHKEMX25519_AES128GCM_SHA256_Ed25519' as const;

const KEY_PACKAGE_LIFETIME_MS = 30 * 24 * 60 * 60 * 1000;

/** RFC 9420 §17.3 `last_resort`: the server hands such a KeyPackage out again and again. */
const lastResortExtension = { extensionType: 0x000a, extensionData: new Uint8Array() };

/** One device's MLS identity; `signatureKey` lives in the account record. */
export interface MlsIdentity {
  /** `<userId>.<deviceId>`. */
  readonly identity: string;
  readonly cipherSuite: CiphersuiteImpl;
  readonly signatureKey: { readonly signKey: Uint8Array; readonly publicKey: Uint8Array };
}

export function cipherSuite(): Promise<CiphersuiteImpl> {
  return getCiphersuiteImpl(getCiphersuiteFromName(CIPHERSUITE));
}

/** A KeyPackage of this device with its private keys. */
export interface OwnKeyPackage {
  readonly keyPackage: KeyPackage;
  readonly privatePackage: PrivateKeyPackage;
  readonly lastResort: boolean;
}

interface StoredKeyPackage {
  readonly keyPackage: string;
  readonly initPrivateKey: string;
  readonly hpkePrivateKey: string;
  readonly signaturePrivateKey: string;
  readonly lastResort: boolean;
}

/**
 * Generates `count` KeyPackages (plus a last-resort one when asked), saves their private keys,
 * and returns the encoded `MLSMessage`s to upload.
 */
export async function generateKeyPackages(
  store: GuardynStore,
  mls: MlsIdentity,
  count: number,
  options: { readonly lastResort?: boolean } = {},
): Promise<string[]> {
  const kinds = [...Array<boolean>(count).fill(false), ...(options.lastResort ? [true] : [])];
  const encoded: string[] = [];
  for (const lastResort of kinds) {
    const { keyPackage: publicPackage, privatePackage } = await newKeyPackage(mls, lastResort);
    const reference = await makeKeyPackageRef(publicPackage, mls.cipherSuite.hash);
    const bytes = encodeMlsMessage({
      version: 'mls10',
      wireformat: 'mls_key_package',
      keyPackage: publicPackage,
    });
    const stored: StoredKeyPackage = {
      keyPackage: toBase64(bytes),
      initPrivateKey: toBase64(privatePackage.initPrivateKey),
      hpkePrivateKey: toBase64(privatePackage.hpkePrivateKey),
      signaturePrivateKey: toBase64(privatePackage.signaturePrivateKey),
      lastResort,
    };
    await store.set('keyPackages', hex(reference), JSON.stringify(stored));
    encoded.push(toBase64(bytes));
  }
  return encoded;
}

/** The saved KeyPackage whose reference is `reference` (from a Welcome's secrets), if any. */
export async function findKeyPackage(
  store: GuardynStore,
  reference: Uint8Array,
): Promise<(OwnKeyPackage & { readonly key: string }) | undefined> {
  const key = hex(reference);
  const text = await store.get('keyPackages', key);
  if (text === undefined) return undefined;
  const stored = JSON.parse(text) as StoredKeyPackage;
  return {
    key,
    keyPackage: decodeKeyPackageMessage(fromBase64(stored.keyPackage)),
    privatePackage: {
      initPrivateKey: fromBase64(stored.initPrivateKey),
      hpkePrivateKey: fromBase64(stored.hpkePrivateKey),
      signaturePrivateKey: fromBase64(stored.signaturePrivateKey),
    },
    lastResort: stored.lastResort,
  };
}

/** Deletes a KeyPackage of this device that was claimed but will not be used (not a last-resort one). */
export async function forgetKeyPackage(
  store: GuardynStore,
  mls: MlsIdentity,
  keyPackage: KeyPackage,
): Promise<boolean> {
  const key = hex(await makeKeyPackageRef(keyPackage, mls.cipherSuite.hash));
  const text = await store.get('keyPackages', key);
  if (text === undefined || (JSON.parse(text) as StoredKeyPackage).lastResort) return false;
  await store.delete('keyPackages', key);
  return true;
}

/** Decodes an `MLSMessage` that must hold a KeyPackage (a claimed one, say). */
export function decodeKeyPackageMessage(bytes: Uint8Array): KeyPackage {
  const decoded = decodeMlsMessage(bytes, 0);
  if (decoded === undefined || decoded[0].wireformat !== 'mls_key_package') {
    throw new Error('not an MLSMessage holding a KeyPackage');
  }
  return decoded[0].keyPackage;
}

/** A fresh KeyPackage, not saved: for a group the device creates itself, or to be saved by the caller. */
export async function newKeyPackage(mls: MlsIdentity, lastResort = false): Promise<OwnKeyPackage> {
  // ts-mls's default lifetime is unbounded, which the server refuses (RFC 9420 §7.2 in seconds).
  const now = Date.now();
  const { publicPackage, privatePackage } = await generateKeyPackageWithKey(
    { credentialType: 'basic', identity: new TextEncoder().encode(mls.identity) },
    defaultCapabilities(),
    {
      notBefore: BigInt(Math.floor(now / 1000)),
      notAfter: BigInt(Math.floor((now + KEY_PACKAGE_LIFETIME_MS) / 1000)),
    },
    lastResort ? [lastResortExtension] : [],
    mls.signatureKey,
    mls.cipherSuite,
  );
  return { keyPackage: publicPackage, privatePackage, lastResort };
}

function hex(bytes: Uint8Array): string {
  return Buffer.from(bytes).toString('hex');
}
