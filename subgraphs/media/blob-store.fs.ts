import { randomBytes } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, readdir, rename, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { checkBlobKey, type BlobStore, type ByteRange, type StagedBlob } from './blob-store.js';

/**
 * Blobs as files under one folder (`<dataDir>/media` by default): `<root>/<xx>/<key>`, where
 * `xx` is the key's last two characters (the random end of a UUIDv7) to keep folders small.
 * Writes go to `<root>/tmp/` first and are renamed into place, so a partial upload never
 * appears under a key; leftovers of a crash are removed when the store opens.
 */
export class FileBlobStore implements BlobStore {
  private constructor(private readonly root: string) {}

  /** Opens the folder (created if missing, mode 0700) and clears unfinished writes. */
  static async open(root: string): Promise<FileBlobStore> {
    await mkdir(path.join(root, 'tmp'), { recursive: true, mode: 0o700 });
    const leftovers = await readdir(path.join(root, 'tmp'));
    await Promise.all(leftovers.map((name) => rm(path.join(root, 'tmp', name), { force: true })));
    return new FileBlobStore(root);
  }

  async stage(source: AsyncIterable<Uint8Array> | Iterable<Uint8Array>): Promise<StagedBlob> {
    const temporary = path.join(this.root, 'tmp', `${randomBytes(12).toString('hex')}.part`);
    let size = 0;
    const counted = async function* () {
      for await (const chunk of source) {
        size += chunk.byteLength;
        yield chunk;
      }
    };
    try {
      await pipeline(counted, createWriteStream(temporary, { flags: 'wx', mode: 0o600 }));
    } catch (error) {
      await rm(temporary, { force: true });
      throw error;
    }
    let settled = false;
    return {
      size,
      commit: async (key) => {
        const target = this.pathOf(key);
        await mkdir(path.dirname(target), { recursive: true, mode: 0o700 });
        await rename(temporary, target);
        settled = true;
      },
      discard: async () => {
        if (settled) return;
        settled = true;
        await rm(temporary, { force: true });
      },
    };
  }

  async size(key: string): Promise<number | null> {
    try {
      return (await stat(this.pathOf(key))).size;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
      throw error;
    }
  }

  read(key: string, range?: ByteRange): Readable {
    return createReadStream(this.pathOf(key), range ? { start: range.start, end: range.end } : {});
  }

  async delete(key: string): Promise<void> {
    await rm(this.pathOf(key), { force: true });
  }

  private pathOf(key: string): string {
    checkBlobKey(key);
    return path.join(this.root, key.slice(-2), key);
  }
}
