import { createHash, createHmac, randomBytes } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import sharp from 'sharp';
import { registerAccount, type TestAccount } from '../support/accounts.js';
import {
  expectData,
  expectErrorCode,
  postGraphQL,
  type ClientError,
} from '../support/graphql-client.js';
import { startTestGuardyn, type TestGuardyn } from '../support/test-guardyn.js';

const kib = 1024;
const maxAttachmentBytes = 1024 * kib;
const maxAvatarBytes = 512 * kib;

let guardyn: TestGuardyn;
/** Where uploads are sent: the gateway's /graphql (its bridge streams them to the media subgraph). */
let mediaUrl: string;
let alice: TestAccount;
let bob: TestAccount;
beforeAll(async () => {
  guardyn = await startTestGuardyn({
    env: {
      GUARDYN_MEDIA__MAX_ATTACHMENT_BYTES: String(maxAttachmentBytes),
      GUARDYN_MEDIA__MAX_AVATAR_BYTES: String(maxAvatarBytes),
    },
  });
  // Uploads go through the one public endpoint: the gateway streams them to the media subgraph.
  mediaUrl = guardyn.url;
  [alice, bob] = await Promise.all([registerAccount(guardyn.url), registerAccount(guardyn.url)]);
});
afterAll(() => guardyn.dispose());

const sha256 = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');

const mediaFields = `id owner { id } contentType size sha256 encrypted width height createdAt downloadUrl
  thumbnail { id size sha256 encrypted width height downloadUrl }
  thumbnails { id width height contentType }`;

interface MediaView {
  id: string;
  owner: { id: string };
  contentType: string;
  size: number;
  sha256: string;
  encrypted: boolean;
  width: number | null;
  height: number | null;
  downloadUrl: string;
  thumbnail: MediaView | null;
  thumbnails: { id: string; width: number; height: number; contentType: string }[];
}

const uploadMutation = `mutation ($file: Upload!, $encrypted: Boolean!, $sha256: String!, $thumbnail: Upload) {
  uploadMedia(file: $file, encrypted: $encrypted, sha256: $sha256, thumbnail: $thumbnail) { ${mediaFields} }
}`;
const avatarMutation = `mutation ($file: Upload!) { setAvatar(file: $file) { ${mediaFields} } }`;

interface MultipartRequest {
  readonly operations: string;
  readonly map?: string;
  /** Form field name to bytes. */
  readonly files?: Record<string, Uint8Array>;
  readonly token?: string | null;
  readonly preflight?: boolean;
}

interface MultipartResponse<TData> {
  readonly status: number;
  readonly data?: TData | null;
  readonly errors?: readonly ClientError[];
}

/** A GraphQL multipart request (graphql-multipart-request-spec) as apollo-upload-client sends it. */
async function postMultipart<TData>(request: MultipartRequest): Promise<MultipartResponse<TData>> {
  const form = new FormData();
  form.append('operations', request.operations);
  if (request.map !== undefined) form.append('map', request.map);
  for (const [field, bytes] of Object.entries(request.files ?? {})) {
    form.append(field, new Blob([bytes]), `${field}.bin`);
  }
  const token = request.token === undefined ? alice.accessToken : request.token;
  const response = await fetch(mediaUrl, {
    method: 'POST',
    body: form,
    headers: {
      ...(request.preflight === false ? {} : { 'apollo-require-preflight': 'true' }),
      ...(token ? { authorization: `Bearer ${token}` } : {}),
    },
  });
  return { status: response.status, ...((await response.json()) as object) };
}

/** A hand-made multipart body (boundary `b0undary`), for shapes FormData cannot make. */
async function postMultipartBytes(body: Uint8Array): Promise<MultipartResponse<unknown>> {
  const response = await fetch(mediaUrl, {
    method: 'POST',
    body,
    headers: {
      'content-type': 'multipart/form-data; boundary=b0undary',
      'apollo-require-preflight': 'true',
      authorization: `Bearer ${alice.accessToken}`,
    },
  });
  return { status: response.status, ...((await response.json()) as object) };
}

/** Operations, map, and the start of a file part whose body and closing boundary never come. */
function cutShortBody(operations: string): Buffer {
  const part = (name: string, value: string) =>
    `--b0undary\r\nContent-Disposition: form-data; name="${name}"\r\n\r\n${value}\r\n`;
  return Buffer.concat([
    Buffer.from(part('operations', operations) + part('map', '{"0":["variables.file"]}')),
    Buffer.from('--b0undary\r\nContent-Disposition: form-data; name="0"; filename="f"\r\n\r\n'),
    randomBytes(100),
  ]);
}

/** Uploads with the usual shape: `file` (and `thumbnail`) as files of the operation's variables. */
function upload<TData>(
  query: string,
  variables: Record<string, unknown>,
  files: { file?: Uint8Array; thumbnail?: Uint8Array },
  token?: string,
) {
  const map: Record<string, string[]> = {};
  const parts: Record<string, Uint8Array> = {};
  Object.entries(files).forEach(([name, bytes], index) => {
    map[String(index)] = [`variables.${name}`];
    parts[String(index)] = bytes;
  });
  return postMultipart<TData>({
    operations: JSON.stringify({
      query,
      variables: { ...variables, file: null, ...(files.thumbnail ? { thumbnail: null } : {}) },
    }),
    map: JSON.stringify(map),
    files: parts,
    ...(token ? { token } : {}),
  });
}

async function uploadEncrypted(bytes: Uint8Array, thumbnail?: Uint8Array): Promise<MediaView> {
  const response = await upload<{ uploadMedia: MediaView }>(
    uploadMutation,
    { encrypted: true, sha256: sha256(bytes) },
    thumbnail ? { file: bytes, thumbnail } : { file: bytes },
  );
  if (!response.data) throw new Error(JSON.stringify(response.errors));
  return response.data.uploadMedia;
}

/** Every blob file under the data folder, to prove that a refusal kept nothing. */
async function storedBlobs(): Promise<string[]> {
  const entries = await readdir(path.join(guardyn.dataDir, 'media'), {
    recursive: true,
    withFileTypes: true,
  });
  return entries
    .filter((entry) => entry.isFile())
    .map((entry) => entry.name)
    .sort();
}

function jpegWithGps(width: number, height: number): Promise<Buffer> {
  return sharp({ create: { width, height, channels: 3, background: { r: 250, g: 80, b: 10 } } })
    .jpeg()
    .withExif({
      IFD0: { Make: 'GuardynCam' },
      IFD3: { GPSLatitudeRef: 'N', GPSLatitude: '48/1 51/1 24/1' },
    })
    .toBuffer();
}

describe('uploadMedia', () => {
  it('stores an encrypted attachment byte for byte, with its encrypted thumbnail', async () => {
    const bytes = randomBytes(300 * kib);
    const thumbnail = randomBytes(2 * kib);
    const media = await uploadEncrypted(bytes, thumbnail);
    expect(media).toMatchObject({
      owner: { id: alice.userId },
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
      guardyn.url,
      'query ($id: ID!) { media(id: $id) { id size owner { username } } }',
      { id: media.id },
      bob.accessToken,
    );
    expect(found).toEqual({ id: media.id, size: 100, owner: { username: alice.username } });
    const { code } = await expectErrorCode(
      guardyn.url,
      'query ($id: ID!) { media(id: $id) { id } }',
      { id: media.id },
    );
    expect(code).toBe('UNAUTHENTICATED');
  });
});

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
      mediaUrl,
      uploadMutation,
      { ...variables, file: 'not a file' },
      alice.accessToken,
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

describe('avatars', () => {
  it('sets, replaces and resolves User.avatar through the gateway', async () => {
    const carol = await registerAccount(guardyn.url);
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
      guardyn.url,
      `query ($id: ID!) { user(id: $id) { avatar { id contentType width thumbnail { width height } } } }`,
      { id: carol.userId },
      bob.accessToken,
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
      guardyn.url,
      'query ($id: ID!) { user(id: $id) { avatar { id } } }',
      { id: bob.userId },
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
      (await readFile(path.join(guardyn.dataDir, 'keys', 'media-url-key'), 'utf8')).trim(),
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
      guardyn.url,
      deleteMutation,
      { id: target.id },
      bob.accessToken,
    );
    expect(code).toBe('NOT_FOUND');
    expect((await fetch(target.downloadUrl)).status).toBe(200);

    const before = await storedBlobs();
    await expectData(guardyn.url, deleteMutation, { id: target.id }, alice.accessToken);
    expect((await fetch(target.downloadUrl)).status).toBe(404);
    expect((await fetch(target.thumbnail?.downloadUrl ?? '')).status).toBe(404);
    expect(await storedBlobs()).toEqual(
      before.filter((name) => name !== target.id && name !== target.thumbnail?.id),
    );
    const again = await postGraphQL(
      guardyn.url,
      deleteMutation,
      { id: target.id },
      alice.accessToken,
    );
    expect(again.errors?.[0]?.extensions?.code).toBe('NOT_FOUND');
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
      owner: { username: alice.username },
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
