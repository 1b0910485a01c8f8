/** Media avatars (User.avatar) and downloads (signed URLs, ranges, deleteMedia). */
import { createHmac, randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { beforeAll, describe, expect, it } from '@jest/globals';
import sharp from 'sharp';
import { registerAccount } from '../support/accounts.js';
import { expectData, expectErrorCode, postGraphQL } from '../support/graphql-client.js';
import {
  avatarMutation,
  jpegWithGps,
  kib,
  type MediaView,
  storedBlobs,
  upload,
  uploadEncrypted,
  useMediaGuardyn,
} from '../support/media-uploads.js';

const world = useMediaGuardyn();

describe('avatars', () => {
  it('sets, replaces and resolves User.avatar through the gateway', async () => {
    const carol = await registerAccount(world.guardyn.url);
    const first = await upload<{ setAvatar: MediaView }>(
      avatarMutation,
      {},
      {
        file: await jpegWithGps(300, 300),
      },
      carol.accessToken,
    );
    const png = await sharp({
      create: { width: 500, height: 250, channels: 4, background: '#0a0c' },
    })
      .png()
      .toBuffer();
    const second = await upload<{ setAvatar: MediaView }>(
      avatarMutation,
      {},
      { file: png },
      carol.accessToken,
    );
    expect(second.data?.setAvatar).toMatchObject({
      contentType: 'image/png',
      width: 500,
      height: 250,
    });

    const { user } = await expectData<{ user: { avatar: MediaView | null } }>(
      world.guardyn.url,
      `query ($id: ID!) { user(id: $id) { avatar { id contentType width thumbnail { width height } } } }`,
      { id: carol.userId },
      world.bob.accessToken,
    );
    expect(user.avatar).toEqual({
      id: second.data?.setAvatar.id,
      contentType: 'image/png',
      width: 500,
      thumbnail: { width: 256, height: 128 },
    });
    // The replaced avatar is gone, bytes included.
    const old = await fetch(first.data?.setAvatar.downloadUrl ?? '');
    expect(old.status).toBe(404);

    const { user: plain } = await expectData<{ user: { avatar: unknown } }>(
      world.guardyn.url,
      'query ($id: ID!) { user(id: $id) { avatar { id } } }',
      { id: world.bob.userId },
      carol.accessToken,
    );
    expect(plain.avatar).toBeNull();
  });
});

describe('downloads', () => {
  let media: MediaView;
  let bytes: Buffer;
  beforeAll(async () => {
    bytes = randomBytes(10 * kib);
    media = await uploadEncrypted(bytes);
  });

  it('serves the bytes with type, length, private caching and range support', async () => {
    const whole = await fetch(media.downloadUrl);
    expect(whole.status).toBe(200);
    expect(whole.headers.get('content-type')).toBe('application/octet-stream');
    expect(whole.headers.get('content-length')).toBe(String(bytes.length));
    expect(whole.headers.get('cache-control')).toMatch(/^private, max-age=\d+$/);
    expect(whole.headers.get('accept-ranges')).toBe('bytes');
    expect(Buffer.from(await whole.arrayBuffer())).toEqual(bytes);

    const part = await fetch(media.downloadUrl, { headers: { range: 'bytes=100-199' } });
    expect(part.status).toBe(206);
    expect(part.headers.get('content-range')).toBe(`bytes 100-199/${bytes.length}`);
    expect(part.headers.get('content-length')).toBe('100');
    expect(Buffer.from(await part.arrayBuffer())).toEqual(bytes.subarray(100, 200));

    const tail = await fetch(media.downloadUrl, { headers: { range: 'bytes=-10' } });
    expect(Buffer.from(await tail.arrayBuffer())).toEqual(bytes.subarray(-10));

    const beyond = await fetch(media.downloadUrl, { headers: { range: `bytes=${bytes.length}-` } });
    expect(beyond.status).toBe(416);
    expect(beyond.headers.get('content-range')).toBe(`bytes */${bytes.length}`);

    const head = await fetch(media.downloadUrl, { method: 'HEAD' });
    expect(head.status).toBe(200);
    expect(head.headers.get('content-length')).toBe(String(bytes.length));
  });

  it('answers 403 for a forged or expired URL, and to URLs of another media', async () => {
    const url = new URL(media.downloadUrl);
    const forged = new URL(url);
    forged.searchParams.set('signature', 'A'.repeat(43));
    expect((await fetch(forged)).status).toBe(403);

    const later = new URL(url);
    later.searchParams.set('expires', String(Number(url.searchParams.get('expires')) + 3600));
    expect((await fetch(later)).status).toBe(403);

    const other = await uploadEncrypted(randomBytes(10));
    const swapped = new URL(url);
    swapped.pathname = `/media/${other.id}`;
    expect((await fetch(swapped)).status).toBe(403);

    // A correctly signed URL whose time is up, made with the key the media service keeps.
    const key = Buffer.from(
      (await readFile(path.join(world.guardyn.dataDir, 'keys', 'media-url-key'), 'utf8')).trim(),
      'base64',
    );
    const expires = Math.floor(Date.now() / 1000) - 1;
    const signature = createHmac('sha256', key)
      .update(`${media.id}\n${expires}`)
      .digest('base64url');
    const expired = new URL(url);
    expired.search = new URLSearchParams({ expires: String(expires), signature }).toString();
    const response = await fetch(expired);
    expect(response.status).toBe(403);
    expect(await response.text()).toBe('download URL expired');

    expect((await fetch(new URL(`/media/${media.id}`, url))).status).toBe(403);
  });

  it('deleteMedia: owner only; then the blob is gone and the URL answers 404', async () => {
    const target = await uploadEncrypted(randomBytes(64), randomBytes(16));
    const deleteMutation = 'mutation ($id: ID!) { deleteMedia(id: $id) }';
    const { code } = await expectErrorCode(
      world.guardyn.url,
      deleteMutation,
      { id: target.id },
      world.bob.accessToken,
    );
    expect(code).toBe('NOT_FOUND');
    expect((await fetch(target.downloadUrl)).status).toBe(200);

    const before = await storedBlobs();
    await expectData(world.guardyn.url, deleteMutation, { id: target.id }, world.alice.accessToken);
    expect((await fetch(target.downloadUrl)).status).toBe(404);
    expect((await fetch(target.thumbnail?.downloadUrl ?? '')).status).toBe(404);
    expect(await storedBlobs()).toEqual(
      before.filter((name) => name !== target.id && name !== target.thumbnail?.id),
    );
    const again = await postGraphQL(
      world.guardyn.url,
      deleteMutation,
      { id: target.id },
      world.alice.accessToken,
    );
    expect(again.errors?.[0]?.extensions?.code).toBe('NOT_FOUND');
  });
});
