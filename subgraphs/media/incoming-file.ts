import { createHash } from 'node:crypto';
import { BadUserInputError, PayloadTooLargeError } from '../../shared/errors/index.js';

/** A file arriving in a request, read once as it streams in. */
export interface IncomingFile {
  read(): AsyncIterable<Uint8Array>;
}

/** The bytes of an incoming file as they pass, with their running size and SHA-256. */
export interface MeasuredFile {
  /** The file's chunks; throws PAYLOAD_TOO_LARGE as soon as the limit is passed. */
  readonly chunks: AsyncIterable<Uint8Array>;
  /** Bytes seen so far. */
  size(): number;
  /** Lower-case hex SHA-256 of every byte; call once, after the chunks are consumed. */
  sha256(): string;
}

/**
 * Measures a file while it streams: counts and hashes each chunk and stops with
 * PayloadTooLargeError at the first byte past `limit`, so an oversized upload is never read in
 * full. `field` names the argument in error messages.
 */
export function measure(file: IncomingFile, limit: number, field: string): MeasuredFile {
  const hash = createHash('sha256');
  let size = 0;
  async function* chunks(): AsyncGenerator<Uint8Array> {
    for await (const chunk of file.read()) {
      size += chunk.byteLength;
      if (size > limit) {
        throw new PayloadTooLargeError(`${field} is larger than ${limit} bytes`, limit);
      }
      hash.update(chunk);
      yield chunk;
    }
  }
  return { chunks: chunks(), size: () => size, sha256: () => hash.digest('hex') };
}

/** Reads a measured file into memory (its limit bounds the memory). */
export async function collect(file: MeasuredFile): Promise<Buffer> {
  const parts: Uint8Array[] = [];
  for await (const chunk of file.chunks) parts.push(chunk);
  return Buffer.concat(parts);
}

const sha256Pattern = /^[0-9a-fA-F]{64}$/;

/** A client-given SHA-256 as lower-case hex; BAD_USER_INPUT unless it is 64 hex digits. */
export function parseSha256(value: string, field = 'sha256'): string {
  if (!sha256Pattern.test(value)) {
    throw new BadUserInputError(`${field} must be 64 hexadecimal digits (SHA-256)`, { field });
  }
  return value.toLowerCase();
}
