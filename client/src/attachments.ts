/**
 * Attachments: encrypted on the device with AES-256-GCM under a fresh random key (a 12-byte nonce
 * in front of the ciphertext and tag), uploaded as an encrypted media (the server checks only the
 * SHA-256 of what it receives), and fetched from the media's short-lived signed URL. The key and
 * digest travel to the recipients inside an end-to-end encrypted message; the server sees neither.
 */
import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';
import { print } from 'graphql';
import {
  AttachmentDownloadDocument,
  UploadAttachmentDocument,
  type UploadAttachmentMutation,
} from './generated/operations.js';
import type { Device } from './device.js';
import { dataOf, GuardynError } from './graphql.js';

/** What a recipient needs to fetch and open an attachment: send it inside a message. */
export interface AttachmentPointer {
  /** The media id. */
  readonly id: string;
  /** Base64 of the 32-byte AES-256-GCM key. */
  readonly key: string;
  /** Hex SHA-256 of the encrypted bytes the server stores. */
  readonly digest: string;
  /** Plaintext size in bytes. */
  readonly size: number;
  readonly contentType?: string;
}

const NONCE_BYTES = 12;
const TAG_BYTES = 16;

export function encryptAttachment(bytes: Uint8Array, key: Uint8Array): Uint8Array {
  const nonce = randomBytes(NONCE_BYTES);
  const cipher = createCipheriv('aes-256-gcm', key, nonce);
  return Buffer.concat([nonce, cipher.update(bytes), cipher.final(), cipher.getAuthTag()]);
}

/** Throws when the bytes were altered (GCM's tag does not verify). */
export function decryptAttachment(encrypted: Uint8Array, key: Uint8Array): Uint8Array {
  if (encrypted.length < NONCE_BYTES + TAG_BYTES) throw new Error('attachment too short');
  const nonce = encrypted.subarray(0, NONCE_BYTES);
  const tag = encrypted.subarray(encrypted.length - TAG_BYTES);
  const decipher = createDecipheriv('aes-256-gcm', key, nonce);
  decipher.setAuthTag(tag);
  return new Uint8Array(
    Buffer.concat([decipher.update(encrypted.subarray(NONCE_BYTES, -TAG_BYTES)), decipher.final()]),
  );
}

export async function uploadAttachment(
  device: Device,
  bytes: Uint8Array,
  options: { readonly contentType?: string } = {},
): Promise<AttachmentPointer> {
  const key = randomBytes(32);
  const encrypted = encryptAttachment(bytes, key);
  const digest = createHash('sha256').update(encrypted).digest('hex');
  // A GraphQL multipart request (graphql-multipart-request-spec), as docs/media.md describes.
  const form = new FormData();
  form.append(
    'operations',
    JSON.stringify({
      query: print(UploadAttachmentDocument),
      variables: { file: null, sha256: digest },
    }),
  );
  form.append('map', JSON.stringify({ 0: ['variables.file'] }));
  form.append('0', new Blob([encrypted]), 'attachment.bin');
  const response = await fetch(device.session.url, {
    method: 'POST',
    body: form,
    headers: {
      'apollo-require-preflight': 'true',
      authorization: `Bearer ${await device.session.accessToken()}`,
    },
  });
  const { uploadMedia } = dataOf((await response.json()) as { data?: UploadAttachmentMutation });
  return {
    id: uploadMedia.id,
    key: key.toString('base64'),
    digest,
    size: bytes.length,
    ...(options.contentType === undefined ? {} : { contentType: options.contentType }),
  };
}

/** Downloads, checks the digest, and decrypts; throws when either check fails. */
export async function downloadAttachment(
  device: Device,
  pointer: AttachmentPointer,
): Promise<Uint8Array> {
  const { media } = await device.session.request(AttachmentDownloadDocument, { id: pointer.id });
  if (!media) throw new GuardynError(`no attachment ${pointer.id}`, 'NOT_FOUND');
  const response = await fetch(media.downloadUrl);
  if (!response.ok) throw new Error(`attachment download failed with HTTP ${response.status}`);
  const encrypted = new Uint8Array(await response.arrayBuffer());
  const digest = createHash('sha256').update(encrypted).digest('hex');
  if (digest !== pointer.digest.toLowerCase()) throw new Error('attachment digest mismatch');
  return decryptAttachment(encrypted, Buffer.from(pointer.key, 'base64'));
}
