import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import { FileStore } from './file-store.js';
import { MemoryStore, type GuardynStore } from './store.js';

let folder: string;
beforeEach(async () => {
  folder = await mkdtemp(path.join(tmpdir(), 'guardyn-client-store-'));
});
afterEach(() => rm(folder, { recursive: true, force: true }));

const stores: [string, () => Promise<GuardynStore>][] = [
  ['MemoryStore', async () => new MemoryStore()],
  ['FileStore', () => FileStore.open(path.join(folder, 'device.json'))],
];

describe.each(stores)('%s', (_name, open) => {
  it('keeps values by section and key, and deletes them', async () => {
    const store = await open();
    await store.set('sessions', 'bob.1', 'a');
    await store.set('sessions', 'bob.2', 'b');
    await store.set('preKeys', 'bob.1', 'other section');
    expect(await store.get('sessions', 'bob.1')).toBe('a');
    expect((await store.keys('sessions')).sort()).toEqual(['bob.1', 'bob.2']);
    await store.delete('sessions', 'bob.1');
    expect(await store.get('sessions', 'bob.1')).toBeUndefined();
    expect(await store.keys('sessions')).toEqual(['bob.2']);
    expect(await store.get('preKeys', 'bob.1')).toBe('other section');
    expect(await store.keys('groups')).toEqual([]);
  });
});

describe('FileStore', () => {
  it('survives a reopen and is readable by its owner only', async () => {
    const file = path.join(folder, 'device.json');
    const store = await FileStore.open(file);
    await Promise.all([
      store.set('account', 'device', '{"userId":"u"}'),
      store.set('identities', 'bob.1', 'key'),
    ]);
    await store.delete('identities', 'bob.1');
    await store.close();

    const again = await FileStore.open(file);
    expect(await again.get('account', 'device')).toBe('{"userId":"u"}');
    expect(await again.keys('identities')).toEqual([]);
    expect((await stat(file)).mode & 0o777).toBe(0o600);
  });
});
