import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from '@jest/globals';
import { DownloadUrlSigner, loadUrlSigningKey } from './download-url.js';

const key = new Uint8Array(32).fill(7);
const now = new Date('2026-11-26T12:00:00Z');

function parameters(url: string) {
  const parsed = new URL(url);
  return {
    path: parsed.pathname,
    expires: parsed.searchParams.get('expires') ?? undefined,
    signature: parsed.searchParams.get('signature') ?? undefined,
  };
}

describe('DownloadUrlSigner', () => {
  const signer = new DownloadUrlSigner(key, 600);

  it('signs a URL under the base that checks out until it expires', () => {
    const url = signer.sign('https://media.example', 'm-1', now);
    const { path: urlPath, expires, signature } = parameters(url);
    expect(url.startsWith('https://media.example/media/m-1?')).toBe(true);
    expect(urlPath).toBe('/media/m-1');
    expect(Number(expires)).toBe(now.getTime() / 1000 + 600);
    expect(signer.check('m-1', expires, signature, now)).toBeNull();
    expect(signer.check('m-1', expires, signature, new Date(now.getTime() + 599_000))).toBeNull();
    expect(signer.check('m-1', expires, signature, new Date(now.getTime() + 600_000))).toBe(
      'expired',
    );
  });

  it('refuses another id, a moved expiry, another key and malformed parameters', () => {
    const { expires, signature } = parameters(signer.sign('https://m', 'm-1', now));
    expect(signer.check('m-2', expires, signature, now)).toBe('forged');
    expect(signer.check('m-1', String(Number(expires) + 1), signature, now)).toBe('forged');
    const other = new DownloadUrlSigner(new Uint8Array(32).fill(8), 600);
    expect(other.check('m-1', expires, signature, now)).toBe('forged');
    expect(signer.check('m-1', undefined, signature, now)).toBe('malformed');
    expect(signer.check('m-1', '-5', signature, now)).toBe('malformed');
    expect(signer.check('m-1', expires, `${signature}A`, now)).toBe('malformed');
    expect(signer.check('m-1', expires, ['a', 'b'], now)).toBe('malformed');
  });
});

describe('loadUrlSigningKey', () => {
  it('creates a private 32-byte key once and reads the same key afterwards', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'guardyn-url-key-'));
    try {
      const file = path.join(dir, 'keys', 'media-url-key');
      const [first, racing] = await Promise.all([loadUrlSigningKey(file), loadUrlSigningKey(file)]);
      expect(first).toHaveLength(32);
      expect(racing).toEqual(first);
      expect(await loadUrlSigningKey(file)).toEqual(first);
      expect((await stat(file)).mode & 0o777).toBe(0o600);
      expect(Buffer.from((await readFile(file, 'utf8')).trim(), 'base64')).toEqual(
        Buffer.from(first),
      );
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
