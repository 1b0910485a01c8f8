/** Media uploads the gateway or the media subgraph refuses: each changes nothing. */
import { randomBytes } from 'node:crypto';
import { describe, expect, it } from '@jest/globals';
import sharp from 'sharp';
import { expectErrorCode } from '../support/graphql-client.js';
import {
  avatarMutation,
  cutShortBody,
  kib,
  maxAttachmentBytes,
  maxAvatarBytes,
  type MultipartResponse,
  postMultipart,
  postMultipartBytes,
  sha256,
  storedBlobs,
  upload,
  uploadMutation,
  useMediaGuardyn,
} from '../support/media-uploads.js';

const world = useMediaGuardyn();

describe('refused uploads change nothing', () => {
  const bytes = randomBytes(4 * kib);
  const variables = { encrypted: true, sha256: sha256(bytes) };
  const operations = JSON.stringify({
    query: uploadMutation,
    variables: { ...variables, file: null },
  });

  const refusals: [string, () => Promise<MultipartResponse<unknown>>, string][] = [
    [
      'a wrong sha256',
      () => upload(uploadMutation, { ...variables, sha256: 'a'.repeat(64) }, { file: bytes }),
      'BAD_USER_INPUT',
    ],
    [
      'a zero-size file',
      () =>
        upload(
          uploadMutation,
          { ...variables, sha256: sha256(new Uint8Array()) },
          { file: new Uint8Array() },
        ),
      'BAD_USER_INPUT',
    ],
    [
      'a file over the attachment limit',
      () => upload(uploadMutation, variables, { file: randomBytes(maxAttachmentBytes + 1) }),
      'PAYLOAD_TOO_LARGE',
    ],
    [
      'an avatar over the avatar limit',
      () => upload(avatarMutation, {}, { file: randomBytes(maxAvatarBytes + kib) }),
      'PAYLOAD_TOO_LARGE',
    ],
    [
      'a request whose length is over every limit',
      () => upload(uploadMutation, variables, { file: randomBytes(4 * maxAttachmentBytes) }),
      'PAYLOAD_TOO_LARGE',
    ],
    [
      'a map naming a file the request lacks',
      () => postMultipart({ operations, map: '{"0":["variables.file"]}' }),
      'BAD_USER_INPUT',
    ],
    ['no map', () => postMultipart({ operations, files: { 0: bytes } }), 'BAD_USER_INPUT'],
    [
      'operations that are not JSON',
      () =>
        postMultipart({
          operations: '{"query":',
          map: '{"0":["variables.file"]}',
          files: { 0: bytes },
        }),
      'BAD_USER_INPUT',
    ],
    [
      'a map that puts the file elsewhere',
      () => postMultipart({ operations, map: '{"0":["variables.other"]}', files: { 0: bytes } }),
      'BAD_USER_INPUT',
    ],
    ['an empty multipart body', () => postMultipartBytes(new Uint8Array()), 'BAD_USER_INPUT'],
    [
      'a body that ends inside the file',
      () => postMultipartBytes(cutShortBody(operations)),
      'BAD_USER_INPUT',
    ],
    [
      'three files',
      () =>
        postMultipart({
          operations,
          map: '{"0":["variables.file"],"1":["variables.thumbnail"],"2":["variables.x"]}',
          files: { 0: bytes, 1: bytes, 2: bytes },
        }),
      'PAYLOAD_TOO_LARGE',
    ],
    [
      'a thumbnail with a plaintext upload',
      () =>
        upload(
          uploadMutation,
          { ...variables, encrypted: false },
          { file: bytes, thumbnail: bytes },
        ),
      'BAD_USER_INPUT',
    ],
    [
      'a plaintext upload that is not an image',
      () => upload(uploadMutation, { ...variables, encrypted: false }, { file: bytes }),
      'BAD_USER_INPUT',
    ],
    [
      'an avatar that is not an image',
      () => upload(avatarMutation, {}, { file: bytes }),
      'BAD_USER_INPUT',
    ],
    [
      'no access token',
      () =>
        postMultipart({
          operations,
          map: '{"0":["variables.file"]}',
          files: { 0: bytes },
          token: null,
        }),
      'UNAUTHENTICATED',
    ],
    [
      'a forged access token',
      () =>
        postMultipart({
          operations,
          map: '{"0":["variables.file"]}',
          files: { 0: bytes },
          token: 'x.y.z',
        }),
      'UNAUTHENTICATED',
    ],
    [
      'no CSRF preflight header',
      () =>
        postMultipart({
          operations,
          map: '{"0":["variables.file"]}',
          files: { 0: bytes },
          preflight: false,
        }),
      'BAD_USER_INPUT',
    ],
  ];

  it.each(refusals)('refuses %s', async (_, send, code) => {
    const before = await storedBlobs();
    const response = await send();
    expect(response.errors?.[0]?.extensions?.code).toBe(code);
    expect(response.data ?? null).toBeNull();
    expect(await storedBlobs()).toEqual(before);
  });

  it('refuses an Upload variable sent as plain JSON', async () => {
    const { code } = await expectErrorCode(
      world.mediaUrl,
      uploadMutation,
      { ...variables, file: 'not a file' },
      world.alice.accessToken,
    );
    expect(code).toBe('BAD_USER_INPUT');
  });

  it('refuses a decompression bomb as an avatar', async () => {
    const bomb = await sharp({
      create: { width: 9000, height: 9000, channels: 3, background: '#fff' },
    })
      .png({ compressionLevel: 9 })
      .toBuffer();
    expect(bomb.length).toBeLessThan(maxAvatarBytes);
    const before = await storedBlobs();
    const response = await upload(avatarMutation, {}, { file: bomb });
    expect(response.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    expect(await storedBlobs()).toEqual(before);
  });
});
