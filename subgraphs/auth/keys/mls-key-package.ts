/**
 * Validation of the MLS KeyPackages (RFC 9420 §10) a device uploads, before the key directory
 * stores them for other users to claim. Uses ts-mls for decoding and signature checks.
 */
import { ciphersuites, decodeMlsMessage, getCiphersuiteFromName, getCiphersuiteImpl } from 'ts-mls';
import type { CiphersuiteImpl, CiphersuiteName, KeyPackage, MLSMessage } from 'ts-mls';
import { makeKeyPackageRef, verifyKeyPackage } from 'ts-mls/keyPackage.js';
import { extensionTypeToNumber } from 'ts-mls/extension.js';
import { verifyLeafNodeSignatureKeyPackage } from 'ts-mls/leafNode.js';
import { BadUserInputError } from '../../../shared/errors/index.js';

/** RFC 9420 §17.3 `last_resort` (0x000A), a KeyPackage extension with empty data. */
export const LAST_RESORT_EXTENSION_TYPE = 0x000a;

/** Encoded KeyPackages larger than this are refused before decoding (64 KiB). */
export const MAX_KEY_PACKAGE_BYTES = 64 * 1024;

/**
 * The ciphersuites ts-mls 1.6.4 runs with only our installed dependencies (`@hpke/core`,
 * `@noble/*`, WebCrypto): 0x0001 MLS_128_DHKEMX25519_AES128GCM_SHA256_Ed25519 (RFC 9420's
 * mandatory suite), 0x0002 MLS_128_DHKEMP256_AES128GCM_SHA256_P256,
 * 0x0005 MLS_256_DHKEMP521_AES256GCM_SHA512_P521 and 0x0007 MLS_256_DHKEMP384_AES256GCM_SHA384_P384.
 * The ChaCha20, X448/Ed448, ML-KEM and X-Wing suites need optional `@hpke/*` peers that we do
 * not install, so neither we nor a ts-mls client on this stack could run them.
 */
export const SUPPORTED_MLS_CIPHERSUITES: readonly number[] = Object.freeze([
  ciphersuites.MLS_128_DHKEMX25519_AES128GCM_SHA256_Ed25519,
  ciphersuites.MLS_128_DHKEMP256_AES128GCM_SHA256_P256,
  ciphersuites.MLS_256_DHKEMP521_AES256GCM_SHA512_P521,
  ciphersuites.MLS_256_DHKEMP384_AES256GCM_SHA384_P384,
]);

/** What the key directory accepts in a KeyPackage. */
export interface KeyPackagePolicy {
  /** RFC 9420 ciphersuite ids accepted. @default SUPPORTED_MLS_CIPHERSUITES */
  readonly cipherSuites: readonly number[];
  /**
   * Longest accepted `not_after - not_before`, in seconds. ts-mls's `defaultLifetime` spans
   * 0..2^63-1, so clients must pass a bounded `Lifetime` to `generateKeyPackage`.
   * @default 90 days
   */
  readonly maxLifetimeSeconds: number;
  /** How far in the future `not_before` may be, for clients whose clock runs ahead. @default 300 */
  readonly clockSkewSeconds: number;
}

/** The policy used when a caller passes none. */
export const defaultKeyPackagePolicy: KeyPackagePolicy = Object.freeze({
  cipherSuites: SUPPORTED_MLS_CIPHERSUITES,
  maxLifetimeSeconds: 90 * 24 * 60 * 60,
  clockSkewSeconds: 5 * 60,
});

/** Options of {@link validateKeyPackage}. */
export interface ValidateKeyPackageOptions {
  /** The basic credential's identity the KeyPackage must carry: `<userId>.<deviceId>`. */
  readonly expectedIdentity: string;
  /** The time the lifetime is checked against. */
  readonly now: Date;
  /** Overrides of {@link defaultKeyPackagePolicy}. */
  readonly policy?: Partial<KeyPackagePolicy>;
  /** The input field named in error messages, e.g. `keyPackages[2]`. @default 'keyPackage' */
  readonly field?: string;
}

/** What the key directory keeps about an accepted KeyPackage beside its bytes. */
export interface ValidatedKeyPackage {
  /** The RFC 9420 ciphersuite id, e.g. 1. */
  readonly cipherSuite: number;
  /** End of the lifetime: the KeyPackage must not be handed out after it. */
  readonly notAfter: Date;
  /** The KeyPackageRef (RFC 9420 §5.2): dedupes uploads and names the member in a Welcome. */
  readonly reference: Uint8Array;
  /** Carries the `last_resort` extension: kept and handed out without being consumed. */
  readonly lastResort: boolean;
}

/**
 * Checks an uploaded KeyPackage: the bytes must be one encoded `MLSMessage` (nothing after it)
 * of wire format `mls_key_package`, protocol mls10, a ciphersuite from the policy, a basic
 * credential whose identity is the UTF-8 of `expectedIdentity`, a lifetime that has started
 * (allowing the clock skew), has not ended and spans at most the policy's maximum, an init key
 * that is a valid HPKE public key distinct from the leaf's encryption key (RFC 9420 §10.1), and
 * valid leaf node and KeyPackage signatures by the leaf's signature key.
 *
 * @returns the ciphersuite, the end of the lifetime and the KeyPackageRef.
 * @throws BadUserInputError naming the first check that failed; nothing else for bad input.
 */
export async function validateKeyPackage(
  bytes: Uint8Array,
  options: ValidateKeyPackageOptions,
): Promise<ValidatedKeyPackage> {
  const field = options.field ?? 'keyPackage';
  const policy: KeyPackagePolicy = { ...defaultKeyPackagePolicy, ...options.policy };
  const refuse: Refuse = (problem, cause) => {
    throw new BadUserInputError(
      `${field} ${problem}`,
      { field },
      cause === undefined ? undefined : { cause },
    );
  };

  if (bytes.length > MAX_KEY_PACKAGE_BYTES) {
    refuse(`is larger than ${MAX_KEY_PACKAGE_BYTES} bytes`);
  }
  const keyPackage = decodeKeyPackageMessage(bytes, refuse);

  const cipherSuite = ciphersuiteId(keyPackage.cipherSuite);
  if (cipherSuite === undefined || !policy.cipherSuites.includes(cipherSuite)) {
    refuse(
      `uses ciphersuite ${describeCiphersuite(keyPackage.cipherSuite)}, which is not supported`,
    );
  }
  const suite = await ciphersuiteImpl(keyPackage.cipherSuite);

  checkCredential(keyPackage, options.expectedIdentity, refuse);
  const lastResort = checkLastResort(keyPackage, refuse);
  const notAfter = checkLifetime(keyPackage, options.now, policy, refuse);
  await checkHpkeKeys(keyPackage, suite, refuse);
  await checkSignatures(keyPackage, suite, refuse);

  return {
    cipherSuite,
    notAfter,
    reference: await makeKeyPackageRef(keyPackage, suite.hash),
    lastResort,
  };
}

type Refuse = (problem: string, cause?: unknown) => never;

function decodeKeyPackageMessage(bytes: Uint8Array, refuse: Refuse): KeyPackage {
  let decoded: [MLSMessage, number] | undefined;
  try {
    decoded = decodeMlsMessage(bytes, 0);
  } catch (cause) {
    refuse('is not an encoded MLSMessage', cause);
  }
  if (decoded === undefined) refuse('is not an encoded MLSMessage');
  const [message, length] = decoded;
  if (length !== bytes.length) refuse('has bytes after the encoded MLSMessage');
  if (message.version !== 'mls10') refuse('is not an MLS 1.0 message');
  if (message.wireformat !== 'mls_key_package') {
    refuse(`is an MLSMessage of wire format ${message.wireformat}, not mls_key_package`);
  }
  const { keyPackage } = message;
  if (keyPackage.version !== 'mls10') refuse('is not an MLS 1.0 KeyPackage');
  return keyPackage;
}

function checkCredential(keyPackage: KeyPackage, expectedIdentity: string, refuse: Refuse): void {
  const { credential } = keyPackage.leafNode;
  if (credential.credentialType !== 'basic') {
    refuse(`has a ${credential.credentialType} credential; only basic credentials are accepted`);
  }
  if (!equalBytes(credential.identity, new TextEncoder().encode(expectedIdentity))) {
    refuse(`credential identity is not ${expectedIdentity}`);
  }
}

/** True when the KeyPackage carries `last_resort` (once, with empty data, as RFC 9420 §17.3 says). */
function checkLastResort(keyPackage: KeyPackage, refuse: Refuse): boolean {
  const marks = keyPackage.extensions.filter(
    (extension) => extensionTypeToNumber(extension.extensionType) === LAST_RESORT_EXTENSION_TYPE,
  );
  if (marks.length > 1) refuse('repeats the last_resort extension');
  if (marks.some((mark) => mark.extensionData.length > 0)) {
    refuse('has a last_resort extension with data (it must be empty)');
  }
  return marks.length === 1;
}

function checkLifetime(
  keyPackage: KeyPackage,
  now: Date,
  policy: KeyPackagePolicy,
  refuse: Refuse,
): Date {
  const { notBefore, notAfter } = keyPackage.leafNode.lifetime;
  const nowSeconds = BigInt(Math.floor(now.getTime() / 1000));
  if (notBefore > nowSeconds + BigInt(policy.clockSkewSeconds)) {
    refuse('lifetime has not started yet (not_before is in the future)');
  }
  if (notAfter <= nowSeconds) refuse('has expired (not_after is in the past)');
  if (notAfter <= notBefore) refuse('lifetime is empty (not_after is not after not_before)');
  if (notAfter - notBefore > BigInt(policy.maxLifetimeSeconds)) {
    refuse(`lifetime is longer than ${policy.maxLifetimeSeconds} seconds`);
  }
  // Bounded by now + skew + maximum lifetime above, so the conversion is exact.
  return new Date(Number(notAfter) * 1000);
}

async function checkHpkeKeys(
  keyPackage: KeyPackage,
  suite: CiphersuiteImpl,
  refuse: Refuse,
): Promise<void> {
  if (equalBytes(keyPackage.initKey, keyPackage.leafNode.hpkePublicKey)) {
    refuse('init key equals the leaf encryption key (RFC 9420 §10.1)');
  }
  for (const [name, key] of [
    ['init key', keyPackage.initKey],
    ['leaf encryption key', keyPackage.leafNode.hpkePublicKey],
  ] as const) {
    try {
      await suite.hpke.importPublicKey(key);
    } catch (cause) {
      refuse(`${name} is not a valid HPKE public key for its ciphersuite`, cause);
    }
  }
}

async function checkSignatures(
  keyPackage: KeyPackage,
  suite: CiphersuiteImpl,
  refuse: Refuse,
): Promise<void> {
  const verify = async (check: () => Promise<boolean>, what: string): Promise<void> => {
    let valid: boolean;
    try {
      valid = await check();
    } catch (cause) {
      // A malformed signature key or signature makes WebCrypto throw rather than answer false.
      refuse(`${what} does not verify`, cause);
    }
    if (!valid) refuse(`${what} does not verify`);
  };
  await verify(
    () => verifyLeafNodeSignatureKeyPackage(keyPackage.leafNode, suite.signature),
    'leaf node signature',
  );
  await verify(() => verifyKeyPackage(keyPackage, suite.signature), 'signature');
}

/** The id of a suite ts-mls knows; ts-mls decodes unknown ids as their decimal string. */
function ciphersuiteId(name: string): number | undefined {
  return Object.hasOwn(ciphersuites, name) ? ciphersuites[name as CiphersuiteName] : undefined;
}

/** `0x0003 (MLS_128_DHKEMX25519_CHACHA20POLY1305_SHA256_Ed25519)`, or `0xdada` when unknown. */
function describeCiphersuite(name: string): string {
  const id = ciphersuiteId(name) ?? Number(name);
  const hex = `0x${id.toString(16).padStart(4, '0')}`;
  return ciphersuiteId(name) === undefined ? hex : `${hex} (${name})`;
}

const ciphersuiteImpls = new Map<CiphersuiteName, Promise<CiphersuiteImpl>>();

/** Builds each suite's crypto once per process; a failed build is not cached. */
function ciphersuiteImpl(name: CiphersuiteName): Promise<CiphersuiteImpl> {
  let impl = ciphersuiteImpls.get(name);
  if (impl === undefined) {
    impl = getCiphersuiteImpl(getCiphersuiteFromName(name));
    ciphersuiteImpls.set(name, impl);
    impl.catch(() => ciphersuiteImpls.delete(name));
  }
  return impl;
}

function equalBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && a.every((byte, index) => byte === b[index]);
}
