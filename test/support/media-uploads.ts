/**
 * Media over the gateway's upload bridge, for the media integration tests: a Guardyn with small
 * upload limits and two accounts, and GraphQL multipart requests as apollo-upload-client sends them.
 */
import { createHash, randomBytes } from 'node:crypto';
import { readdir } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll } from '@jest/globals';
import sharp from 'sharp';
import { registerAccount, type TestAccount } from './accounts.js';
import { type ClientError } from './graphql-client.js';
import { startTestGuardyn, type TestGuardyn } from './test-guardyn.js';

export const kib = 1024;
export const maxAttachmentBytes = 1024 * kib;
export const maxAvatarBytes = 512 * kib;

/** What a media test file runs against; set by the beforeAll that useMediaGuardyn registers. */
export class MediaWorld {
  guardyn!: TestGuardyn;
  /** Where uploads are sent: the gateway's /graphql (its bridge streams them to the media subgraph). */
  mediaUrl = '';
  alice!: TestAccount;
  bob!: TestAccount;
}

const world = new MediaWorld();

/** Starts the Guardyn of the calling test file (before its tests) and disposes of it after them. */
export function useMediaGuardyn(): MediaWorld {
  beforeAll(async () => {
    world.guardyn = await startTestGuardyn({
      env: {
        GUARDYN_MEDIA__MAX_ATTACHMENT_BYTES: String(maxAttachmentBytes),
        GUARDYN_MEDIA__MAX_AVATAR_BYTES: String(maxAvatarBytes),
      },
    });
    // Uploads go through the one public endpoint: the gateway streams them to the media subgraph.
    world.mediaUrl = world.guardyn.url;
    [world.alice, world.bob] = await Promise.all([
      registerAccount(world.guardyn.url),
      registerAccount(world.guardyn.url),
    ]);
  });
  afterAll(() => world.guardyn.dispose());
  return world;
}

export const sha256 = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');

export const mediaFields = `id owner { id } contentType size sha256 encrypted width height createdAt downloadUrl
  thumbnail { id size sha256 encrypted width height downloadUrl }
  thumbnails { id width height contentType }`;

export interface MediaView {
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

export const uploadMutation = `mutation ($file: Upload!, $encrypted: Boolean!, $sha256: String!, $thumbnail: Upload) {
  uploadMedia(file: $file, encrypted: $encrypted, sha256: $sha256, thumbnail: $thumbnail) { ${mediaFields} }
}`;
export const avatarMutation = `mutation ($file: Upload!) { setAvatar(file: $file) { ${mediaFields} } }`;

export interface MultipartRequest {
  readonly operations: string;
  readonly map?: string;
  /** Form field name to bytes. */
  readonly files?: Record<string, Uint8Array>;
  readonly token?: string | null;
  readonly preflight?: boolean;
}

export interface MultipartResponse<TData> {
  readonly status: number;
  readonly data?: TData | null;
  readonly errors?: readonly ClientError[];
}

/** A GraphQL multipart request (graphql-multipart-request-spec) as apollo-upload-client sends it. */
export async function postMultipart<TData>(
  request: MultipartRequest,
): Promise<MultipartResponse<TData>> {
  const form = new FormData();
  form.append('operations', request.operations);
  if (request.map !== undefined) form.append('map', request.map);
  for (const [field, bytes] of Object.entries(request.files ?? {})) {
    form.append(field, new Blob([bytes]), `${field}.bin`);
  }
  const token = request.token === undefined ? world.alice.accessToken : request.token;
  const response = await fetch(world.mediaUrl, {
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
export async function postMultipartBytes(body: Uint8Array): Promise<MultipartResponse<unknown>> {
  const response = await fetch(world.mediaUrl, {
    method: 'POST',
    body,
    headers: {
      'content-type': 'multipart/form-data; boundary=b0undary',
      'apollo-require-preflight': 'true',
      authorization: `Bearer ${world.alice.accessToken}`,
    },
  });
  return { status: response.status, ...((await response.json()) as object) };
}

/** Operations, map, and the start of a file part whose body and closing boundary never come. */
export function cutShortBody(operations: string): Buffer {
  const part = (name: string, value: string) =>
    `--b0undary\r\nContent-Disposition: form-data; name="${name}"\r\n\r\n${value}\r\n`;
  return Buffer.concat([
    Buffer.from(part('operations', operations) + part('map', '{"0":["variables.file"]}')),
    Buffer.from('--b0undary\r\nContent-Disposition: form-data; name="0"; filename="f"\r\n\r\n'),
    randomBytes(100),
  ]);
}

/** Uploads with the usual shape: `file` (and `thumbnail`) as files of the operation's variables. */
export function upload<TData>(
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

export async function uploadEncrypted(
  bytes: Uint8Array,
  thumbnail?: Uint8Array,
): Promise<MediaView> {
  const response = await upload<{ uploadMedia: MediaView }>(
    uploadMutation,
    { encrypted: true, sha256: sha256(bytes) },
    thumbnail ? { file: bytes, thumbnail } : { file: bytes },
  );
  if (!response.data) throw new Error(JSON.stringify(response.errors));
  return response.data.uploadMedia;
}

/** Every blob file under the data folder, to prove that a refusal kept nothing. */
export async function storedBlobs(): Promise<string[]> {
  const entries = await readdir(path.join(world.guardyn.dataDir, 'media'), {
    recursive: true,
    withFileTypes: true,
  });
  return entries
    .filter((entry) => entry.isFile())
    .map((entry) => entry.name)
    .sort();
}

export function jpegWithGps(width: number, height: number): Promise<Buffer> {
  return sharp({ create: { width, height, channels: 3, background: { r: 250, g: 80, b: 10 } } })
    .jpeg()
    .withExif({
      IFD0: { Make: 'GuardynCam' },
      IFD3: { GPSLatitudeRef: 'N', GPSLatitude: '48/1 51/1 24/1' },
    })
    .toBuffer();
}
