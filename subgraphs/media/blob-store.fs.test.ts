import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { text } from 'node:stream/consumers';
import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import { InvalidBlobKeyError } from './blob-store.js';
import { FileBlobStore } from './blob-store.fs.js';

const bytes = (value: string) => new TextEncoder().encode(value);

describe('FileBlobStore', () => {
  let root: string;
  let store: FileBlobStore;
  beforeEach(async () => {
    root = await mkdtemp(path.join(tmpdir(), 'guardyn-blobs-'));
    store = await FileBlobStore.open(root);
  });
  afterEach(() => rm(root, { recursive: true, force: true }));

  const allFiles = async (): Promise<string[]> =>
    (await readdir(root, { recursive: true, withFileTypes: true }))
      .filter((entry) => entry.isFile())
      .map((entry) => entry.name);

  it('keeps a staged blob invisible until commit, then serves it whole or by range', async () => {
    const staged = await store.stage([bytes('hello '), bytes('world')]);
    expect(staged.size).toBe(11);
    expect(await store.size('key-1')).toBeNull();

    await staged.commit('key-1');
    expect(await store.size('key-1')).toBe(11);
    expect(await text(store.read('key-1'))).toBe('hello world');
    expect(await text(store.read('key-1', { start: 6, end: 10 }))).toBe('world');
  });

  it('removes the partial file when the source fails midway, and rethrows', async () => {
    const failing = async function* () {
      yield bytes('partial');
      throw new Error('too large');
    };
    await expect(store.stage(failing())).rejects.toThrow('too large');
    expect(await allFiles()).toEqual([]);
  });

  it('discards a staged blob and deletes committed ones idempotently', async () => {
    const staged = await store.stage([bytes('x')]);
    await staged.discard();
    await staged.discard();
    expect(await allFiles()).toEqual([]);

    await (await store.stage([bytes('y')])).commit('key-2');
    await store.delete('key-2');
    await store.delete('key-2');
    expect(await store.size('key-2')).toBeNull();
  });

  it('refuses keys that could name another path', async () => {
    for (const key of ['../escape', 'a/b', '', 'x'.repeat(129), 'dot.dot']) {
      expect(() => store.read(key)).toThrow(InvalidBlobKeyError);
      await expect(store.delete(key)).rejects.toBeInstanceOf(InvalidBlobKeyError);
    }
  });

  it('clears unfinished writes left by a crash when it opens', async () => {
    await writeFile(path.join(root, 'tmp', 'stale.part'), 'half');
    await (await store.stage([bytes('kept')])).commit('key-3');
    await FileBlobStore.open(root);
    expect(await allFiles()).toEqual(['key-3']);
    expect(await readFile(path.join(root, '-3', 'key-3'), 'utf8')).toBe('kept');
  });
});
