import { randomBytes, randomUUID } from 'node:crypto';
import { expect, it } from '@jest/globals';
import { describeStoreContract } from '../../shared/testing/store-contract.js';
import { uuid7 } from '../../shared/ids/index.js';
import type { MediaRecord, MediaStore } from './store.js';

/** A valid media record with fresh ids (times to the second, as every adapter keeps them). */
export function newMediaRecord(overrides: Partial<MediaRecord> = {}): MediaRecord {
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
  describeStoreContract(`MediaStore contract: ${adapter}`, openStore, (t) => {
    it('stores a media and finds it by id, every field intact', async () => {
      const record = newMediaRecord({ kind: 'avatar', encrypted: false, width: 640, height: 480 });
      await t.store.insert([record]);
      expect(await t.store.findMedia(record.id)).toEqual(record);
      expect(await t.store.findMedia(uuid7())).toBeNull();
    });

    it('lists thumbnails: server sizes smallest first, then client-made ones', async () => {
      const parent = newMediaRecord({ encrypted: false });
      const thumbnail = (size: number | null) =>
        newMediaRecord({
          kind: 'thumbnail',
          parentId: parent.id,
          ownerId: parent.ownerId,
          thumbnailSize: size,
        });
      const big = thumbnail(1024);
      const small = thumbnail(64);
      const client = thumbnail(null);
      const middle = thumbnail(256);
      await t.store.insert([parent, big, small, client, middle]);
      expect((await t.store.listThumbnails(parent.id)).map((t) => t.id)).toEqual([
        small.id,
        middle.id,
        big.id,
        client.id,
      ]);
      expect(await t.store.listThumbnails(big.id)).toEqual([]);
    });

    it('reads media, thumbnails and latest avatars of many with one call each', async () => {
      const at = (seconds: number) => new Date(Date.UTC(2026, 0, 1, 0, 0, seconds));
      const byId = (records: readonly MediaRecord[]) =>
        [...records].sort((a, b) => (a.id < b.id ? -1 : 1));
      const [first, second] = [
        newMediaRecord({ encrypted: false }),
        newMediaRecord({ encrypted: false }),
      ];
      const thumbnailOf = (parent: MediaRecord, size: number | null) =>
        newMediaRecord({
          kind: 'thumbnail',
          parentId: parent.id,
          ownerId: parent.ownerId,
          thumbnailSize: size,
        });
      const firstThumbnails = [
        thumbnailOf(first, 1024),
        thumbnailOf(first, null),
        thumbnailOf(first, 64),
      ];
      const secondThumbnails = [thumbnailOf(second, 256)];
      await t.store.insert([first, ...firstThumbnails]);
      await t.store.insert([second, ...secondThumbnails]);

      expect(byId(await t.store.findMediaByIds([first.id, second.id, uuid7(), first.id]))).toEqual(
        byId([first, second]),
      );
      expect(await t.store.findMediaByIds([])).toEqual([]);

      const thumbnails = await t.store.listThumbnailsOfMany([second.id, first.id, uuid7()]);
      const ofParent = (parent: MediaRecord) =>
        thumbnails.filter((thumbnail) => thumbnail.parentId === parent.id);
      expect(ofParent(first)).toEqual(await t.store.listThumbnails(first.id));
      expect(ofParent(second)).toEqual(secondThumbnails);
      expect(thumbnails).toHaveLength(4);

      const [ownerA, ownerB] = [randomUUID(), randomUUID()];
      const latestA = newMediaRecord({ ownerId: ownerA, kind: 'avatar', createdAt: at(3) });
      const latestB = newMediaRecord({ ownerId: ownerB, kind: 'avatar', createdAt: at(1) });
      await t.store.insert([
        newMediaRecord({ ownerId: ownerA, kind: 'avatar', createdAt: at(1) }),
        latestA,
        newMediaRecord({ ownerId: ownerA, createdAt: at(5) }),
        latestB,
      ]);
      expect(byId(await t.store.latestAvatarsOf([ownerA, ownerB, randomUUID()]))).toEqual(
        byId([latestA, latestB]),
      );
      expect(await t.store.latestAvatarsOf([])).toEqual([]);
    });

    it('lists a user’s avatars newest first, and only avatars', async () => {
      const ownerId = randomUUID();
      const at = (seconds: number) => new Date(Date.UTC(2026, 0, 1, 0, 0, seconds));
      const old = newMediaRecord({ ownerId, kind: 'avatar', createdAt: at(1) });
      const latest = newMediaRecord({ ownerId, kind: 'avatar', createdAt: at(3) });
      const middle = newMediaRecord({ ownerId, kind: 'avatar', createdAt: at(2) });
      await t.store.insert([
        old,
        latest,
        middle,
        newMediaRecord({ ownerId }),
        newMediaRecord({ kind: 'avatar' }),
      ]);
      expect((await t.store.listAvatars(ownerId)).map((a) => a.id)).toEqual([
        latest.id,
        middle.id,
        old.id,
      ]);
      expect(await t.store.listAvatars(randomUUID())).toEqual([]);
    });

    it('deletes a media with its thumbnails and returns them; a second delete finds nothing', async () => {
      const parent = newMediaRecord();
      const thumbnail = newMediaRecord({
        kind: 'thumbnail',
        parentId: parent.id,
        ownerId: parent.ownerId,
      });
      const other = newMediaRecord();
      await t.store.insert([parent, thumbnail, other]);

      const deleted = await t.store.deleteMedia(parent.id);
      expect(deleted.map((record) => record.id).sort()).toEqual([parent.id, thumbnail.id].sort());
      expect(await t.store.findMedia(parent.id)).toBeNull();
      expect(await t.store.findMedia(thumbnail.id)).toBeNull();
      expect(await t.store.findMedia(other.id)).toEqual(other);
      expect(await t.store.deleteMedia(parent.id)).toEqual([]);
    });

    it('lists everything a user owns, thumbnails and avatars included, and nothing else', async () => {
      const attachment = newMediaRecord();
      const { ownerId } = attachment;
      const thumbnail = newMediaRecord({ kind: 'thumbnail', parentId: attachment.id, ownerId });
      const avatar = newMediaRecord({ kind: 'avatar', ownerId, encrypted: false });
      const others = newMediaRecord();
      await t.store.insert([attachment, thumbnail]);
      await t.store.insert([avatar]);
      await t.store.insert([others]);
      const byId = (records: readonly MediaRecord[]) =>
        [...records].sort((a, b) => (a.id < b.id ? -1 : 1));
      expect(byId(await t.store.listOwnedMedia(ownerId))).toEqual(
        byId([attachment, thumbnail, avatar]),
      );
      for (const record of [attachment, avatar]) await t.store.deleteMedia(record.id);
      expect(await t.store.listOwnedMedia(ownerId)).toEqual([]);
      expect(await t.store.listOwnedMedia(others.ownerId)).toEqual([others]);
    });

    it('deletes a thumbnail alone, leaving its parent', async () => {
      const parent = newMediaRecord();
      const thumbnail = newMediaRecord({
        kind: 'thumbnail',
        parentId: parent.id,
        ownerId: parent.ownerId,
      });
      await t.store.insert([parent, thumbnail]);
      expect((await t.store.deleteMedia(thumbnail.id)).map((record) => record.id)).toEqual([
        thumbnail.id,
      ]);
      expect(await t.store.findMedia(parent.id)).toEqual(parent);
      expect(await t.store.listThumbnails(parent.id)).toEqual([]);
    });

    it('inserts all or nothing: a repeated id stores none of the batch', async () => {
      const existing = newMediaRecord();
      await t.store.insert([existing]);
      const fresh = newMediaRecord();
      // Adapters throw their driver's error (from another realm under jest): just "it failed".
      const failed = await t.store.insert([fresh, { ...existing }]).then(
        () => false,
        () => true,
      );
      expect(failed).toBe(true);
      expect(await t.store.findMedia(fresh.id)).toBeNull();
    });

    it('answers ping', async () => {
      await expect(t.store.ping()).resolves.toBeUndefined();
    });
  });
}
