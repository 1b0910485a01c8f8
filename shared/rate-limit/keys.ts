import { createHash } from 'node:crypto';

/**
 * The stored form of a limiter key: its SHA-256 in base64url (43 characters). Whatever arrives
 * (a 4 MiB username, a forwarded address with dots and colons), the stored key has a fixed size
 * and is a valid NATS KV key.
 */
export function limiterKey(key: string): string {
  return createHash('sha256').update(key).digest('base64url');
}
