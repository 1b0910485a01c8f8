import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { buffer } from 'node:stream/consumers';
import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import sharp from 'sharp';
import type { Principal } from '../../shared/auth/index.js';
import { FileBlobStore } from './blob-store.fs.js';
import type { IncomingFile } from './incoming-file.js';
import { MediaService } from './service.js';
import { SqliteMediaStore } from './store.sqlite.js';

const sha256 = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');

function principal(userId: string = randomUUID()): Principal {
  return { userId, deviceId: 1, sessionId: randomUUID(), expiresAt: new Date(Date.now() + 60_000) };
}

/** A file that arrives in chunks and remembers how many were pulled. */
function incoming(bytes: Uint8Array, chunkSize = 1024): IncomingFile & { pulled: () => number } {
  let pulled = 0;
  return {
    pulled: () => pulled,
    async *read() {
      for (let offset = 0; offset < bytes.length; offset += chunkSize) {
        pulled += 1;
        yield bytes.subarray(offset, offset + chunkSize);
      }
    },
  };
}

describe('MediaService', () => {
  let root: string;
  let store: SqliteMediaStore;
  let service: MediaService;
  beforeEach(async () => {
    root = await mkdtemp(path.join(tmpdir(), 'guardyn-media-'));
    store = new SqliteMediaStore(':memory:');
    const blobs = await FileBlobStore.open(root);
    service = new MediaService(store, blobs, {
      maxAttachmentBytes: 64 * 1024,
      maxAvatarBytes: 256 * 1024,
      maxThumbnailBytes: 4 * 1024,
    });
  });
  afterEach(async () => {
    await store.close();
    await rm(root, { recursive: true, force: true });
  });

  const blobFiles = async () =>
    (await readdir(root, { recursive: true, withFileTypes: true })).filter((e) => e.isFile());

  it('keeps an encrypted upload byte for byte, with its thumbnail linked', async () => {
    const owner = principal();
    const bytes = randomBytes(10_000);
    const thumbnailBytes = randomBytes(500);
    const media = await service.uploadMedia(owner, {
      file: incoming(bytes),
      encrypted: true,
      sha256: sha256(bytes).toUpperCase(),
      thumbnail: incoming(thumbnailBytes),
    });
    expect(media).toMatchObject({
      ownerId: owner.userId,
      encrypted: true,
      size: 10_000,
      sha256: sha256(bytes),
      contentType: 'application/octet-stream',
    });
    expect(await buffer(service.readBlob(media.id))).toEqual(bytes);

    const thumbnail = await service.thumbnailOf(media);
    expect(thumbnail).toMatchObject({ kind: 'thumbnail', parentId: media.id, size: 500 });
    expect(await buffer(service.readBlob(thumbnail?.id ?? ''))).toEqual(thumbnailBytes);
  });

  it('deletes every media of a deleted account with its bytes, avatars included, twice safely', async () => {
    const [leaving, staying] = [principal(), principal()];
    const upload = (owner: Principal) => {
      const bytes = randomBytes(3000);
      return service.uploadMedia(owner, {
        file: incoming(bytes),
        encrypted: true,
        sha256: sha256(bytes),
        thumbnail: incoming(randomBytes(100)),
      });
    };
    const png = await sharp({
      create: { width: 8, height: 8, channels: 3, background: { r: 0, g: 90, b: 0 } },
    })
      .png()
      .toBuffer();
    await upload(leaving);
    await service.setAvatar(leaving, incoming(png));
    const kept = await upload(staying);
    const before = (await blobFiles()).length;

    await service.accountDeleted(leaving.userId);
    await service.accountDeleted(leaving.userId);

    expect(await store.listOwnedMedia(leaving.userId)).toEqual([]);
    expect(await service.avatarOf(leaving.userId)).toBeNull();
    expect((await blobFiles()).length).toBe(2);
    expect(before).toBeGreaterThan(2);
    expect(await buffer(service.readBlob(kept.id))).toHaveLength(3000);
  });

  it.each([
    ['a wrong sha256', () => ({ sha256: 'ab'.repeat(32) }), 'BAD_USER_INPUT'],
    ['a sha256 that is not hex', () => ({ sha256: 'xyz' }), 'BAD_USER_INPUT'],
    ['an empty file', () => ({ file: incoming(new Uint8Array(0)) }), 'BAD_USER_INPUT'],
    ['an empty thumbnail', () => ({ thumbnail: incoming(new Uint8Array(0)) }), 'BAD_USER_INPUT'],
    [
      'an oversized thumbnail',
      () => ({ thumbnail: incoming(randomBytes(5000)) }),
      'PAYLOAD_TOO_LARGE',
    ],
    [
      'a thumbnail with a plaintext upload',
      () => ({ encrypted: false, thumbnail: incoming(randomBytes(10)) }),
      'BAD_USER_INPUT',
    ],
  ])('refuses %s and keeps nothing', async (_, override, code) => {
    const bytes = randomBytes(3000);
    const input = {
      file: incoming(bytes),
      encrypted: true,
      sha256: sha256(bytes),
      thumbnail: null,
    };
    await expect(
      service.uploadMedia(principal(), { ...input, ...override() }),
    ).rejects.toMatchObject({
      code,
    });
    expect(await blobFiles()).toEqual([]);
  });

  it('stops reading an oversized upload at the limit, keeping nothing', async () => {
    const bytes = randomBytes(1024 * 1024);
    const file = incoming(bytes);
    await expect(
      service.uploadMedia(principal(), {
        file,
        encrypted: true,
        sha256: sha256(bytes),
        thumbnail: null,
      }),
    ).rejects.toMatchObject({ code: 'PAYLOAD_TOO_LARGE', details: { limitBytes: 64 * 1024 } });
    expect(file.pulled()).toBe(65);
    expect(await blobFiles()).toEqual([]);
  });

  it('re-encodes a plaintext image after checking the sha256 of what was sent', async () => {
    const png = await sharp({
      create: { width: 320, height: 240, channels: 4, background: '#08f8' },
    })
      .png()
      .toBuffer();
    const media = await service.uploadMedia(principal(), {
      file: incoming(png),
      encrypted: false,
      sha256: sha256(png),
      thumbnail: null,
    });
    expect(media).toMatchObject({
      encrypted: false,
      contentType: 'image/png',
      width: 320,
      height: 240,
    });
    const stored = await buffer(service.readBlob(media.id));
    expect(media.sha256).toBe(sha256(stored));
    expect((await service.thumbnails(media)).map((t) => t.thumbnailSize)).toEqual([64, 256, 1024]);
    expect(await service.thumbnailOf(media)).toMatchObject({ thumbnailSize: 256, width: 256 });
  });

  it('replaces the avatar, and lets only its owner delete a media', async () => {
    const owner = principal();
    const jpeg = (colour: string) =>
      sharp({ create: { width: 100, height: 100, channels: 3, background: colour } })
        .jpeg()
        .toBuffer();
    const first = await service.setAvatar(owner, incoming(await jpeg('#f00')));
    const second = await service.setAvatar(owner, incoming(await jpeg('#0f0')));
    expect(await service.avatarOf(owner.userId)).toMatchObject({ id: second.id, kind: 'avatar' });
    expect(await service.findMedia(first.id)).toBeNull();

    await expect(service.deleteMedia(principal(), second.id)).rejects.toMatchObject({
      code: 'NOT_FOUND',
    });
    expect(await service.deleteMedia(owner, second.id)).toBe(true);
    expect(await service.avatarOf(owner.userId)).toBeNull();
    expect(await blobFiles()).toEqual([]);
    await expect(service.deleteMedia(owner, second.id)).rejects.toMatchObject({
      code: 'NOT_FOUND',
    });
  });
});
