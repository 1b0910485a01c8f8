/**
 * An MLS client for tests, built on ts-mls: a device's identity `<userId>.<deviceId>`, its
 * signature key, and KeyPackages (encoded `MLSMessage` bytes) with a bounded lifetime, plus the
 * bad variants the key directory must refuse. Private keys are kept so a Welcome can be joined.
 */
import { randomUUID } from 'node:crypto';
import {
  defaultCapabilities,
  encodeMlsMessage,
  generateKeyPackageWithKey,
  getCiphersuiteFromName,
  getCiphersuiteImpl,
} from 'ts-mls';
import type {
  CiphersuiteImpl,
  CiphersuiteName,
  Credential,
  Extension,
  KeyPackage,
  KeyPackageTBS,
  Lifetime,
  PrivateKeyPackage,
} from 'ts-mls';
import { makeKeyPackageRef, signKeyPackage } from 'ts-mls/keyPackage.js';
import { decodeKeyPackageMessage } from '@guardyn/client';
import { UploadKeyPackagesDocument } from '../../schema/generated/operations.js';
import { expectData } from './graphql-client.js';
import { toBase64 } from './signal-device.js';

/** RFC 9420 §17.3 `last_resort` (0x000A): a KeyPackage extension with empty data. */
export const lastResortExtension: Extension = {
  extensionType: 0x000a,
  extensionData: new Uint8Array(),
};

/** RFC 9420's mandatory suite, 0x0001. */
export const DEFAULT_TEST_CIPHERSUITE: CiphersuiteName =
  'MLS_128_DHKEMX25519_AES128GCM_SHA256_Ed25519';

/** A KeyPackage this client generated, with the private keys a Welcome to it needs. */
export interface GeneratedKeyPackage {
  /** The encoded `MLSMessage` (wire format `mls_key_package`), as `uploadKeyPackages` takes it. */
  readonly bytes: Uint8Array;
  readonly keyPackage: KeyPackage;
  readonly privatePackage: PrivateKeyPackage;
  /** The KeyPackageRef. */
  readonly reference: Uint8Array;
  /** Marked `last_resort`: the server hands it out again and again, so joining keeps it. */
  readonly lastResort: boolean;
}

/** One device's MLS identity. */
export interface MlsTestClient {
  readonly userId: string;
  readonly deviceId: number;
  /** `<userId>.<deviceId>`, the basic credential's identity. */
  readonly identity: string;
  readonly cipherSuite: CiphersuiteImpl;
  /** One signature key per device, shared by all its KeyPackages (as real clients do). */
  readonly signatureKeyPair: { readonly signKey: Uint8Array; readonly publicKey: Uint8Array };
  /** KeyPackages generated and not yet used to join, by hex KeyPackageRef. */
  readonly keyPackages: Map<string, GeneratedKeyPackage>;
}

/** Creates a client; the signature key is generated for the ciphersuite. */
export async function createMlsClient(
  options: {
    /** @default a random UUID */
    readonly userId?: string;
    /** @default 1 */
    readonly deviceId?: number;
    /** @default DEFAULT_TEST_CIPHERSUITE */
    readonly cipherSuite?: CiphersuiteName;
  } = {},
): Promise<MlsTestClient> {
  const userId = options.userId ?? randomUUID();
  const deviceId = options.deviceId ?? 1;
  const cipherSuite = await getCiphersuiteImpl(
    getCiphersuiteFromName(options.cipherSuite ?? DEFAULT_TEST_CIPHERSUITE),
  );
  return {
    userId,
    deviceId,
    identity: `${userId}.${deviceId}`,
    cipherSuite,
    signatureKeyPair: await cipherSuite.signature.keygen(),
    keyPackages: new Map(),
  };
}

/** Options of {@link createKeyPackage}; the defaults make a KeyPackage the server accepts. */
export interface KeyPackageOptions {
  /** @default new Date() */
  readonly now?: Date;
  /** Start of the lifetime. @default now */
  readonly notBefore?: Date;
  /** End of the lifetime. @default notBefore + 7 days */
  readonly notAfter?: Date;
  /** Basic credential identity. @default the client's identity */
  readonly identity?: string;
  /** A whole credential instead (e.g. x509), overriding `identity`. */
  readonly credential?: Credential;
  /** Adds the `last_resort` extension to the KeyPackage's extensions. @default false */
  readonly lastResort?: boolean;
}

const DAY_MS = 24 * 60 * 60 * 1000;

/**
 * Generates a KeyPackage and remembers its private keys. ts-mls's `defaultLifetime` is
 * unbounded, so the lifetime is passed explicitly (seconds since the epoch, RFC 9420 §7.2).
 */
export async function createKeyPackage(
  client: MlsTestClient,
  options: KeyPackageOptions = {},
): Promise<GeneratedKeyPackage> {
  const notBefore = options.notBefore ?? options.now ?? new Date();
  const notAfter = options.notAfter ?? new Date(notBefore.getTime() + 7 * DAY_MS);
  const lifetime: Lifetime = { notBefore: toSeconds(notBefore), notAfter: toSeconds(notAfter) };
  const credential: Credential = options.credential ?? {
    credentialType: 'basic',
    identity: new TextEncoder().encode(options.identity ?? client.identity),
  };
  const { publicPackage, privatePackage } = await generateKeyPackageWithKey(
    credential,
    defaultCapabilities(),
    lifetime,
    // ts-mls 1.6.4 puts this list in the KeyPackage's own extensions (the leaf node's come after).
    options.lastResort ? [lastResortExtension] : [],
    client.signatureKeyPair,
    client.cipherSuite,
  );
  const generated: GeneratedKeyPackage = {
    bytes: encodeKeyPackageMessage(publicPackage),
    keyPackage: publicPackage,
    privatePackage,
    reference: await makeKeyPackageRef(publicPackage, client.cipherSuite.hash),
    lastResort: options.lastResort ?? false,
  };
  client.keyPackages.set(Buffer.from(generated.reference).toString('hex'), generated);
  return generated;
}

/**
 * What a real client does after registering a device: uploads `count` ordinary KeyPackages and
 * one last-resort KeyPackage, so that it can always be added to a group. Returns them.
 */
export async function publishKeyPackages(
  url: string,
  accessToken: string,
  client: MlsTestClient,
  count = 2,
): Promise<{ ordinary: GeneratedKeyPackage[]; lastResort: GeneratedKeyPackage }> {
  const ordinary = await Promise.all(Array.from({ length: count }, () => createKeyPackage(client)));
  const lastResort = await createKeyPackage(client, { lastResort: true });
  await expectData(
    url,
    UploadKeyPackagesDocument,
    { keyPackages: [...ordinary, lastResort].map((kp) => toBase64(kp.bytes)) },
    accessToken,
  );
  return { ordinary, lastResort };
}

/** A KeyPackage whose lifetime ended a day before `now`. */
export function createExpiredKeyPackage(
  client: MlsTestClient,
  now: Date = new Date(),
): Promise<GeneratedKeyPackage> {
  return createKeyPackage(client, {
    notBefore: new Date(now.getTime() - 8 * DAY_MS),
    notAfter: new Date(now.getTime() - DAY_MS),
  });
}

/** The same KeyPackage bytes with one bit of the KeyPackage signature flipped. */
export function withTamperedSignature(bytes: Uint8Array): Uint8Array {
  const keyPackage = decodeKeyPackageMessage(bytes);
  const signature = new Uint8Array(keyPackage.signature);
  signature[0] = (signature[0] ?? 0) ^ 0x01;
  return encodeKeyPackageMessage({ ...keyPackage, signature });
}

/**
 * Signs edited KeyPackage contents with the client's key and encodes them: for KeyPackages
 * that are validly signed yet break another rule (init key reuse, an unsupported suite).
 * The leaf node keeps whatever signature `contents.leafNode` carries.
 */
export async function signEditedKeyPackage(
  client: MlsTestClient,
  contents: KeyPackageTBS,
): Promise<Uint8Array> {
  const { version, cipherSuite, initKey, leafNode, extensions } = contents;
  const signed = await signKeyPackage(
    { version, cipherSuite, initKey, leafNode, extensions },
    client.signatureKeyPair.signKey,
    client.cipherSuite.signature,
  );
  return encodeKeyPackageMessage(signed);
}

/** Encodes a KeyPackage as an `MLSMessage` of wire format `mls_key_package`. */
export function encodeKeyPackageMessage(keyPackage: KeyPackage): Uint8Array {
  return encodeMlsMessage({ version: 'mls10', wireformat: 'mls_key_package', keyPackage });
}

/** Decodes an `MLSMessage` that must hold a KeyPackage (a claimed one, say): the SDK's. */
export { decodeKeyPackageMessage };

function toSeconds(date: Date): bigint {
  return BigInt(Math.floor(date.getTime() / 1000));
}
