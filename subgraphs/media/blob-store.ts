import type { Readable } from 'node:stream';

/** Bytes `start` to `end`, both inclusive (as in an HTTP Range). */
export interface ByteRange {
  readonly start: number;
  readonly end: number;
}

/** A blob written but not yet visible under any key. */
export interface StagedBlob {
  readonly size: number;
  /** Makes it visible under `key` at once (an existing blob of that key is replaced). */
  commit(key: string): Promise<void>;
  /** Throws it away. Idempotent; a no-op after commit. */
  discard(): Promise<void>;
}

/**
 * Where media bytes live (the metadata is in the MediaStore). The filesystem adapter is the
 * default; an S3-compatible one can take its place. Keys are media ids: 1 to 128 of
 * `A-Z a-z 0-9 _ -`. A blob is never visible half-written.
 */
export interface BlobStore {
  /**
   * Streams `source` into a staged blob. If `source` throws (e.g. a size limit), the partial
   * data is removed and the error rethrown.
   */
  stage(source: AsyncIterable<Uint8Array> | Iterable<Uint8Array>): Promise<StagedBlob>;
  /** The size of a blob, or null when there is none. */
  size(key: string): Promise<number | null>;
  /** Streams a blob, or a range of it. The caller checks the range against `size` first. */
  read(key: string, range?: ByteRange): Readable;
  /** Removes a blob; no error when it is already gone. */
  delete(key: string): Promise<void>;
}

const keyPattern = /^[A-Za-z0-9_-]{1,128}$/;

/** Thrown for a key outside the allowed alphabet (it would be a path or an injection). */
export class InvalidBlobKeyError extends Error {
  constructor(key: string) {
    super(`Invalid blob key ${JSON.stringify(key.slice(0, 140))}`);
    this.name = new.target.name;
  }
}

/** Returns the key when it is allowed; throws InvalidBlobKeyError otherwise. */
export function checkBlobKey(key: string): string {
  if (!keyPattern.test(key)) throw new InvalidBlobKeyError(key);
  return key;
}
