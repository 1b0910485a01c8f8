import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { chmod, link, mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';

/** Bytes of the URL signing key. */
const keyBytes = 32;

/** Why a download URL is refused (the route answers 403 for each). */
export type UrlRefusal = 'malformed' | 'expired' | 'forged';

/**
 * Signs and checks download URLs: `<base>/media/<id>?expires=<unix seconds>&signature=<s>`, where
 * `s` is the base64url HMAC-SHA256 of `<id>\n<expires>` under a key only the media service holds.
 * Anyone holding the URL may download until it expires; nothing else opens a blob.
 */
export class DownloadUrlSigner {
  constructor(
    private readonly key: Uint8Array,
    private readonly ttlSeconds: number,
  ) {}

  /** A URL for `id` under `baseUrl` (an origin, no trailing slash), valid for the TTL from `now`. */
  sign(baseUrl: string, id: string, now: Date): string {
    const expires = Math.floor(now.getTime() / 1000) + this.ttlSeconds;
    const query = new URLSearchParams({
      expires: String(expires),
      signature: this.mac(id, expires),
    });
    return `${baseUrl}/media/${encodeURIComponent(id)}?${query}`;
  }

  /** Null when the URL's parameters are valid for `id` at `now`; else the reason to refuse. */
  check(id: string, expires: unknown, signature: unknown, now: Date): UrlRefusal | null {
    if (typeof expires !== 'string' || !/^\d{1,12}$/.test(expires)) return 'malformed';
    if (typeof signature !== 'string' || !/^[A-Za-z0-9_-]{43}$/.test(signature)) return 'malformed';
    const expected = Buffer.from(this.mac(id, Number(expires)), 'base64url');
    // Both are 32 bytes here (43 base64url characters), so the comparison runs in constant time.
    const given = Buffer.from(signature, 'base64url');
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) return 'forged';
    if (Number(expires) * 1000 <= now.getTime()) return 'expired';
    return null;
  }

  private mac(id: string, expires: number): string {
    return createHmac('sha256', this.key).update(`${id}\n${expires}`).digest('base64url');
  }
}

/**
 * The URL signing key in `file` (base64), created with 32 random bytes (mode 0600) on first use.
 * Replicas of the media service must share it, as they share the blobs.
 */
export async function loadUrlSigningKey(file: string): Promise<Uint8Array> {
  try {
    return decodeKey(file, await readFile(file, 'utf8'));
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  await mkdir(path.dirname(file), { recursive: true, mode: 0o700 });
  // Written aside, then linked into place: the key file never exists half-written, and if
  // another process linked theirs first (EEXIST), theirs is the key.
  const aside = `${file}.${randomBytes(6).toString('hex')}.tmp`;
  try {
    await writeFile(aside, `${randomBytes(keyBytes).toString('base64')}\n`, { mode: 0o600 });
    await chmod(aside, 0o600);
    await link(aside, file);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
  } finally {
    await rm(aside, { force: true });
  }
  return decodeKey(file, await readFile(file, 'utf8'));
}

function decodeKey(file: string, text: string): Uint8Array {
  const key = Buffer.from(text.trim(), 'base64');
  if (key.length < keyBytes)
    throw new Error(`${file}: expected at least ${keyBytes} bytes of base64`);
  return new Uint8Array(key);
}
