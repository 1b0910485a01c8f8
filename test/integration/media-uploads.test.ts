/** Media uploads through the gateway: attachments, image re-encoding, look-ups, and the upload bridge. */
import { randomBytes } from 'node:crypto';
import { describe, expect, it } from '@jest/globals';
import sharp from 'sharp';
import { expectData, expectErrorCode } from '../support/graphql-client.js';
import {
  jpegWithGps,
  kib,
  type MediaView,
  postMultipart,
  sha256,
  storedBlobs,
  upload,
  uploadEncrypted,
  uploadMutation,
  useMediaGuardyn,
} from '../support/media-uploads.js';

const world = useMediaGuardyn();

describe('uploadMedia', () => {
  it('stores an encrypted attachment byte for byte, with its encrypted thumbnail', async () => {
    const bytes = randomBytes(300 * kib);
    const thumbnail = randomBytes(2 * kib);
    const media = await uploadEncrypted(bytes, thumbnail);
    expect(media).toMatchObject({
      owner: { id: world.alice.userId },
      contentType: 'application/octet-stream',
      size: bytes.length,
      sha256: sha256(bytes),
      encrypted: true,
      width: null,
      thumbnail: { size: thumbnail.length, sha256: sha256(thumbnail), encrypted: true },
    });

    const download = await fetch(media.downloadUrl);
    expect(download.status).toBe(200);
    expect(Buffer.from(await download.arrayBuffer())).toEqual(bytes);
    const thumbnailDownload = await fetch(media.thumbnail?.downloadUrl ?? '');
    expect(Buffer.from(await thumbnailDownload.arrayBuffer())).toEqual(thumbnail);
  });

  it('re-encodes a plaintext image: EXIF and GPS gone, thumbnails of 64, 256 and 1024 px', async () => {
    const jpeg = await jpegWithGps(1600, 1200);
    const response = await upload<{ uploadMedia: MediaView }>(
      uploadMutation,
      { encrypted: false, sha256: sha256(jpeg) },
      { file: jpeg },
    );
    const media = response.data?.uploadMedia;
    expect(media).toMatchObject({
      contentType: 'image/jpeg',
      encrypted: false,
      width: 1600,
      height: 1200,
      thumbnail: { width: 256, height: 192 },
    });
    expect(media?.thumbnails.map(({ width }) => width)).toEqual([64, 256, 1024]);

    const stored = Buffer.from(await (await fetch(media?.downloadUrl ?? '')).arrayBuffer());
    expect(sha256(stored)).toBe(media?.sha256);
    expect((await sharp(stored).metadata()).exif).toBeUndefined();
    expect(stored.includes(Buffer.from('GuardynCam'))).toBe(false);
  });

  it('lets any signed-in user look a media up by id, through the gateway', async () => {
    const media = await uploadEncrypted(randomBytes(100));
    const { media: found } = await expectData<{
      media: { id: string; owner: { username: string } };
    }>(
      world.guardyn.url,
      'query ($id: ID!) { media(id: $id) { id size owner { username } } }',
      { id: media.id },
      world.bob.accessToken,
    );
    expect(found).toEqual({ id: media.id, size: 100, owner: { username: world.alice.username } });
    const { code } = await expectErrorCode(
      world.guardyn.url,
      'query ($id: ID!) { media(id: $id) { id } }',
      { id: media.id },
    );
    expect(code).toBe('UNAUTHENTICATED');
  });
});

describe('the gateway’s upload bridge', () => {
  it('resolves fields other subgraphs own in the upload result, with aliases and fragments', async () => {
    const bytes = randomBytes(64);
    const response = await upload<{ stored: { id: string; owner: { username: string } } }>(
      `mutation ($file: Upload!, $sha: String!) {
        stored: uploadMedia(file: $file, encrypted: true, sha256: $sha) { ...Bits }
      }
      fragment Bits on Media { id size owner { username } }`,
      { sha: sha256(bytes) },
      { file: bytes },
    );
    expect(response.errors).toBeUndefined();
    expect(response.data?.stored).toEqual({
      id: expect.any(String),
      size: 64,
      owner: { username: world.alice.username },
    });
  });

  it.each([
    ['a query', JSON.stringify({ query: '{ me { id } }' })],
    ['a mutation that is not an upload', JSON.stringify({ query: 'mutation { logout }' })],
    [
      'a batch',
      JSON.stringify([{ query: 'mutation ($file: Upload!) { setAvatar(file: $file) { id } }' }]),
    ],
    ['an invalid operation', JSON.stringify({ query: 'mutation { setAvatar { id } }' })],
    ['operations that are not JSON', '{'],
  ])('refuses %s sent as multipart, keeping nothing', async (_name, operations) => {
    const before = await storedBlobs();
    const response = await postMultipart({
      operations,
      map: '{"0":["variables.file"]}',
      files: { 0: randomBytes(10) },
    });
    expect(response.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    expect(await storedBlobs()).toEqual(before);
  });
});
