import { beforeAll, describe, expect, it } from '@jest/globals';
import { BadUserInputError } from '../../../shared/errors/index.js';
import {
  createExpiredKeyPackage,
  createKeyPackage,
  createMlsClient,
  decodeKeyPackageMessage,
  signEditedKeyPackage,
  withTamperedSignature,
} from '../../../test/support/mls-client.js';
import type { MlsTestClient } from '../../../test/support/mls-client.js';
import { addMembers, createMlsGroup } from '../../../test/support/mls-group.js';
import {
  MAX_KEY_PACKAGE_BYTES,
  SUPPORTED_MLS_CIPHERSUITES,
  validateKeyPackage,
} from './mls-key-package.js';
import type { ValidateKeyPackageOptions } from './mls-key-package.js';

const DAY_MS = 24 * 60 * 60 * 1000;
const now = new Date('2030-01-01T00:00:00Z');

let client: MlsTestClient;
let options: ValidateKeyPackageOptions;

beforeAll(async () => {
  client = await createMlsClient({ userId: 'user-1', deviceId: 3 });
  options = { expectedIdentity: 'user-1.3', now };
});

async function expectRefused(
  bytes: Uint8Array,
  message: RegExp,
  overrides: Partial<ValidateKeyPackageOptions> = {},
): Promise<void> {
  const refusal = await validateKeyPackage(bytes, { ...options, ...overrides }).then(
    () => undefined,
    (error: unknown) => error,
  );
  expect(refusal).toBeInstanceOf(BadUserInputError);
  expect((refusal as BadUserInputError).message).toMatch(message);
}

describe('validateKeyPackage accepts', () => {
  it('a fresh KeyPackage of the expected identity', async () => {
    const generated = await createKeyPackage(client, { now });
    const validated = await validateKeyPackage(generated.bytes, options);
    expect(validated.cipherSuite).toBe(1);
    expect(validated.notAfter).toEqual(new Date(now.getTime() + 7 * DAY_MS));
    expect(validated.reference).toEqual(generated.reference);
  });

  it('a last-resort KeyPackage (RFC 9420 last_resort extension), and says so', async () => {
    const ordinary = await createKeyPackage(client, { now });
    const lastResort = await createKeyPackage(client, { now, lastResort: true });
    expect(decodeKeyPackageMessage(lastResort.bytes).extensions).toEqual([
      { extensionType: 10, extensionData: new Uint8Array() },
    ]);
    expect((await validateKeyPackage(ordinary.bytes, options)).lastResort).toBe(false);
    expect((await validateKeyPackage(lastResort.bytes, options)).lastResort).toBe(true);
    // A group can add a member from it (ts-mls does not mind the extension).
    const group = await createMlsGroup(await createMlsClient({ userId: 'user-2' }));
    const current = await createKeyPackage(client, { lastResort: true });
    await expect(addMembers(group, [current.bytes])).resolves.toBeDefined();
  });

  it('a lifetime of exactly the maximum, starting within the clock skew', async () => {
    const notBefore = new Date(now.getTime() + 4 * 60 * 1000);
    const generated = await createKeyPackage(client, {
      notBefore,
      notAfter: new Date(notBefore.getTime() + 90 * DAY_MS),
    });
    await expect(validateKeyPackage(generated.bytes, options)).resolves.toMatchObject({
      cipherSuite: 1,
    });
  });

  it('the P-256 suite, which ts-mls runs without optional peers', async () => {
    const p256 = await createMlsClient({
      userId: 'user-1',
      deviceId: 3,
      cipherSuite: 'MLS_128_DHKEMP256_AES128GCM_SHA256_P256',
    });
    const generated = await createKeyPackage(p256, { now });
    await expect(validateKeyPackage(generated.bytes, options)).resolves.toMatchObject({
      cipherSuite: 2,
    });
    expect(SUPPORTED_MLS_CIPHERSUITES).toEqual([1, 2, 5, 7]);
  });
});

describe('validateKeyPackage refuses', () => {
  it('a last_resort extension with data, or repeated', async () => {
    const base = decodeKeyPackageMessage((await createKeyPackage(client, { now })).bytes);
    const mark = { extensionType: 10, extensionData: new Uint8Array() };
    const withData = await signEditedKeyPackage(client, {
      ...base,
      extensions: [{ ...mark, extensionData: new Uint8Array([1]) }],
    });
    await expectRefused(withData, /last_resort extension with data/);
    const repeated = await signEditedKeyPackage(client, { ...base, extensions: [mark, mark] });
    await expectRefused(repeated, /repeats the last_resort extension/);
  });

  it('another identity', async () => {
    const generated = await createKeyPackage(client, { now, identity: 'user-1.4' });
    await expectRefused(generated.bytes, /^keyPackage credential identity is not user-1\.3$/);
  });

  it('a non-basic credential', async () => {
    const generated = await createKeyPackage(client, {
      now,
      credential: { credentialType: 'x509', certificates: [new Uint8Array([1, 2, 3])] },
    });
    await expectRefused(generated.bytes, /has a x509 credential; only basic/);
  });

  it('an expired KeyPackage', async () => {
    const generated = await createExpiredKeyPackage(client, now);
    await expectRefused(generated.bytes, /has expired/);
  });

  it('a lifetime that starts beyond the clock skew', async () => {
    const generated = await createKeyPackage(client, {
      notBefore: new Date(now.getTime() + 10 * 60 * 1000),
    });
    await expectRefused(generated.bytes, /has not started yet/);
  });

  it('a lifetime that is too long, such as ts-mls’s unbounded default', async () => {
    const generated = await createKeyPackage(client, {
      now,
      notAfter: new Date(now.getTime() + 91 * DAY_MS),
    });
    await expectRefused(generated.bytes, /lifetime is longer than 7776000 seconds/);
    const unbounded = await createKeyPackage(client, {
      notBefore: new Date(0),
      notAfter: new Date(now.getTime() + DAY_MS),
    });
    await expectRefused(unbounded.bytes, /lifetime is longer/);
  });

  it('a shorter policy maximum', async () => {
    const generated = await createKeyPackage(client, { now });
    await expectRefused(generated.bytes, /lifetime is longer than 86400 seconds/, {
      policy: { maxLifetimeSeconds: 86_400 },
    });
  });

  it('a tampered KeyPackage signature', async () => {
    const generated = await createKeyPackage(client, { now });
    await expectRefused(withTamperedSignature(generated.bytes), /^keyPackage signature does not/);
  });

  it('tampered contents under a valid KeyPackage signature (leaf node signature fails)', async () => {
    const { keyPackage } = await createKeyPackage(client, { now });
    const bytes = await signEditedKeyPackage(client, {
      ...keyPackage,
      leafNode: {
        ...keyPackage.leafNode,
        extensions: [{ extensionType: 0x0a0a, extensionData: new Uint8Array([1]) }],
      },
    });
    await expectRefused(bytes, /^keyPackage leaf node signature does not verify$/);
  });

  it('a flipped byte anywhere in the signed contents', async () => {
    const generated = await createKeyPackage(client, { now });
    const tampered = new Uint8Array(generated.bytes);
    const initKeyAt = 2 + 2 + 2 + 2 + 1; // version, wire format, version, suite, length
    tampered[initKeyAt] = (tampered[initKeyAt] ?? 0) ^ 0xff;
    await expectRefused(tampered, /does not verify|not a valid HPKE/);
  });

  it('an init key equal to the leaf encryption key', async () => {
    const { keyPackage } = await createKeyPackage(client, { now });
    const bytes = await signEditedKeyPackage(client, {
      ...keyPackage,
      initKey: keyPackage.leafNode.hpkePublicKey,
    });
    await expectRefused(bytes, /init key equals the leaf encryption key/);
  });

  it('a ciphersuite outside the policy', async () => {
    const generated = await createKeyPackage(client, { now });
    await expectRefused(
      generated.bytes,
      /uses ciphersuite 0x0001 \(MLS_128_DHKEMX25519_AES128GCM_SHA256_Ed25519\), which is not supported/,
      {
        policy: { cipherSuites: [2] },
      },
    );
    const { keyPackage } = generated;
    const chacha = await signEditedKeyPackage(client, {
      ...keyPackage,
      cipherSuite: 'MLS_128_DHKEMX25519_CHACHA20POLY1305_SHA256_Ed25519',
    });
    await expectRefused(chacha, /uses ciphersuite 0x0003 \(.*CHACHA20POLY1305.*\), which is not/);
    // Bytes 6..7 are the KeyPackage's cipher_suite, after the MLSMessage and KeyPackage headers.
    const unknown = new Uint8Array(generated.bytes);
    unknown.set([0xda, 0xda], 6);
    await expectRefused(unknown, /uses ciphersuite 0xdada, which is not supported$/);
  });

  it('bytes that are not an MLSMessage', async () => {
    await expectRefused(new Uint8Array(0), /^keyPackage is not an encoded MLSMessage$/);
    await expectRefused(new Uint8Array([0, 1, 0, 5, 9, 9, 9]), /is not an encoded MLSMessage/);
  });

  it('truncated or trailing bytes', async () => {
    const generated = await createKeyPackage(client, { now });
    await expectRefused(generated.bytes.slice(0, -1), /is not an encoded MLSMessage/);
    const trailing = new Uint8Array(generated.bytes.length + 1);
    trailing.set(generated.bytes);
    await expectRefused(trailing, /has bytes after the encoded MLSMessage/);
  });

  it('an MLSMessage that is not a KeyPackage', async () => {
    const alice = await createMlsClient();
    const group = await createMlsGroup(alice);
    const { welcome } = await addMembers(group, [(await createKeyPackage(client)).bytes]);
    await expectRefused(
      welcome,
      /is an MLSMessage of wire format mls_welcome, not mls_key_package/,
    );
  });

  it('more than 64 KiB, before decoding', async () => {
    await expectRefused(new Uint8Array(MAX_KEY_PACKAGE_BYTES + 1), /is larger than 65536 bytes/);
  });

  it('names the field it was given', async () => {
    const generated = await createExpiredKeyPackage(client, now);
    await expectRefused(generated.bytes, /^keyPackages\[2\] has expired/, {
      field: 'keyPackages[2]',
    });
    expect(decodeKeyPackageMessage(generated.bytes).cipherSuite).toBe(
      'MLS_128_DHKEMX25519_AES128GCM_SHA256_Ed25519',
    );
  });
});
