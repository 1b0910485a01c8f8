import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import { IdentityKeyPair, SenderCertificate } from '@signalapp/libsignal-client';
import { SealedSenderKeys, type SealedSenderKeyFiles } from './sealed-sender-keys.js';

let dir: string;
let files: SealedSenderKeyFiles;
beforeEach(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'guardyn-sealed-keys-'));
  files = {
    trustRootFile: path.join(dir, 'keys', 'sealed-sender-trust-root.json'),
    certificateFile: path.join(dir, 'keys', 'sealed-sender-certificate.json'),
  };
});
afterEach(() => rm(dir, { recursive: true, force: true }));

describe('SealedSenderKeys', () => {
  it('makes both files on first start (mode 0600) and reads the same keys afterwards', async () => {
    const first = await SealedSenderKeys.fromFiles(files);
    for (const file of [files.trustRootFile, files.certificateFile])
      expect((await stat(file)).mode & 0o777).toBe(0o600);
    const again = await SealedSenderKeys.fromFiles(files);
    expect(again.trustRoot.serialize()).toEqual(first.trustRoot.serialize());
  });

  it('signs sender certificates that validate against the trust root for 24 hours', async () => {
    const keys = await SealedSenderKeys.fromFiles(files);
    const identity = IdentityKeyPair.generate().publicKey;
    const now = new Date();
    const certificate = SenderCertificate.deserialize(
      Uint8Array.from(
        keys.senderCertificate(
          {
            userId: '0190a1b2-0000-7000-8000-000000000001',
            deviceId: 2,
            identityKey: identity.serialize(),
          },
          now,
        ),
      ),
    );
    expect(certificate.senderDeviceId()).toBe(2);
    expect(certificate.expiration()).toBe(now.getTime() + 24 * 3600_000);
    expect(certificate.validate(keys.trustRoot, now.getTime())).toBe(true);
    expect(certificate.validate(keys.trustRoot, now.getTime() + 24 * 3600_000 + 1)).toBe(false);
  });

  it('runs with a public-only trust root once the certificate exists, and refuses to make one without the private half', async () => {
    const keys = await SealedSenderKeys.fromFiles(files);
    const root = JSON.parse(await readFile(files.trustRootFile, 'utf8')) as { publicKey: string };
    await writeFile(files.trustRootFile, JSON.stringify({ publicKey: root.publicKey }));
    expect((await SealedSenderKeys.fromFiles(files)).trustRoot.serialize()).toEqual(
      keys.trustRoot.serialize(),
    );
    await rm(files.certificateFile);
    await expect(SealedSenderKeys.fromFiles(files)).rejects.toThrow(/no private key/);
  });

  it('refuses a certificate that another trust root signed', async () => {
    await SealedSenderKeys.fromFiles(files);
    const other = {
      trustRootFile: path.join(dir, 'other-root.json'),
      certificateFile: path.join(dir, 'other-certificate.json'),
    };
    await SealedSenderKeys.fromFiles(other);
    await expect(
      SealedSenderKeys.fromFiles({ ...files, certificateFile: other.certificateFile }),
    ).rejects.toThrow(/not signed by the trust root/);
  });
});
