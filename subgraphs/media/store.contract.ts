import { randomBytes, randomUUID } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import { uuid7 } from '../../shared/ids/index.js';
import type { MediaRecord, MediaStore } from './store.js';

function media(overrides: Partial<MediaRecord> = {}): MediaRecord {
  return {
    id: uuid7(),
    ownerId: randomUUID(),
    kind: 'attachment',
    parentId: null,
    thumbnailSize: null,
    contentType: 'application/octet-stream',
    size: 1234,
    sha256: randomBytes(32).toString('hex'),
    encrypted: true,
    width: null,
    height: null,
    createdAt: new Date(Math.floor(Date.now() / 1000) * 1000),
    ...overrides,
  };
}

/** The MediaStore contract: every adapter must pass it. */
export function describeMediaStoreContract(
  adapter: string,
  openStore: () => Promise<MediaStore>,
): void {
  describe(`MediaStore contract: ${adapter}`, () => {
    let store: MediaStore;
    beforeEach(async () => {
      store = await openStore();
    });
    afterEach(() => store.close());

    it('stores a media and finds it by id, every field intact', async () => {
      const record = media({ kind: 'avatar', encrypted: false, width: 640, height: 480 });
      await store.insert([record]);
      expect(await store.findMedia(record.id)).toEqual(record);
      expect(await store.findMedia(uuid7())).toBeNull();
    });

    it('lists thumbnails: server sizes smallest first, then client-made ones', async () => {
      const parent = media({ encrypted: false });
      const thumbnail = (size: number | null) =>
        media({
          kind: 'thumbnail',
          parentId: parent.id,
          ownerId: parent.ownerId,
          thumbnailSize: size,
        });
      const big = thumbnail(1024);
      const small = thumbnail(64);
      const client = thumbnail(null);
      const middle = thumbnail(256);
      await store.insert([parent, big, small, client, middle]);
      expect((await store.listThumbnails(parent.id)).map((t) => t.id)).toEqual([
        small.id,
        middle.id,
        big.id,
        client.id,
      ]);
      expect(await store.listThumbnails(big.id)).toEqual([]);
    });

    it('lists a user’s avatars newest first, and only avatars', async () => {
      const ownerId = randomUUID();
      const at = (seconds: number) => new Date(Date.UTC(2026, 0, 1, 0, 0, seconds));
      const old = media({ ownerId, kind: 'avatar', createdAt: at(1) });
      const latest = media({ ownerId, kind: 'avatar', createdAt: at(3) });
      const middle = media({ ownerId, kind: 'avatar', createdAt: at(2) });
      await store.insert([old, latest, middle, media({ ownerId }), media({ kind: 'avatar' })]);
      expect((await store.listAvatars(ownerId)).map((a) => a.id)).toEqual([
        latest.id,
        middle.id,
        old.id,
      ]);
      expect(await store.listAvatars(randomUUID())).toEqual([]);
    });

    it('deletes a media with its thumbnails and returns them; a second delete finds nothing', async () => {
      const parent = media();
      const thumbnail = media({ kind: 'thumbnail', parentId: parent.id, ownerId: parent.ownerId });
      const other = media();
      await store.insert([parent, thumbnail, other]);

      const deleted = await store.deleteMedia(parent.id);
      expect(deleted.map((record) => record.id).sort()).toEqual([parent.id, thumbnail.id].sort());
      expect(await store.findMedia(parent.id)).toBeNull();
      expect(await store.findMedia(thumbnail.id)).toBeNull();
      expect(await store.findMedia(other.id)).toEqual(other);
      expect(await store.deleteMedia(parent.id)).toEqual([]);
    });

    it('deletes a thumbnail alone, leaving its parent', async () => {
      const parent = media();
      const thumbnail = media({ kind: 'thumbnail', parentId: parent.id, ownerId: parent.ownerId });
      await store.insert([parent, thumbnail]);
      expect((await store.deleteMedia(thumbnail.id)).map((record) => record.id)).toEqual([
        thumbnail.id,
      ]);
      expect(await store.findMedia(parent.id)).toEqual(parent);
      expect(await store.listThumbnails(parent.id)).toEqual([]);
    });

    it('inserts all or nothing: a repeated id stores none of the batch', async () => {
      const existing = media();
      await store.insert([existing]);
      const fresh = media();
      // Adapters throw their driver's error (from another realm under jest): just "it failed".
      const failed = await store.insert([fresh, { ...existing }]).then(
        () => false,
        () => true,
      );
      expect(failed).toBe(true);
      expect(await store.findMedia(fresh.id)).toBeNull();
    });

    it('answers ping', async () => {
      await expect(store.ping()).resolves.toBeUndefined();
    });
  });
}
