import { createHash } from 'node:crypto';
import type { Readable } from 'node:stream';
import type { Principal } from '../../shared/auth/index.js';
import { BadUserInputError, NotFoundError } from '../../shared/errors/index.js';
import { uuid7 } from '../../shared/ids/index.js';
import type { BlobStore, ByteRange, StagedBlob } from './blob-store.js';
import { processPlaintextImage, type ProcessedImage } from './image-processing.js';
import { collect, measure, parseSha256, type IncomingFile } from './incoming-file.js';
import type { MediaKind, MediaRecord, MediaStore } from './store.js';

/** The media rules' knobs; the defaults are the documented ones. */
export interface MediaServiceOptions {
  /** Largest `uploadMedia` file. @default 100 MiB */
  readonly maxAttachmentBytes: number;
  /** Largest `setAvatar` file. @default 5 MiB */
  readonly maxAvatarBytes: number;
  /** Largest client-made (encrypted) thumbnail. @default 1 MiB */
  readonly maxThumbnailBytes: number;
  /** Images with more pixels are refused before decoding (decompression bombs). @default 40 MP */
  readonly maxInputPixels: number;
  /** Long-side bounds of server-made thumbnails. @default [64, 256, 1024] */
  readonly thumbnailSizes: readonly number[];
  /** The size `Media.thumbnail` shows for plaintext images. @default 256 */
  readonly defaultThumbnailSize: number;
  /** Longest one image encode may take. @default 30 */
  readonly imageTimeoutSeconds: number;
}

const mib = 1024 * 1024;
export const defaultMediaServiceOptions: MediaServiceOptions = {
  maxAttachmentBytes: 100 * mib,
  maxAvatarBytes: 5 * mib,
  maxThumbnailBytes: 1 * mib,
  maxInputPixels: 40_000_000,
  thumbnailSizes: [64, 256, 1024],
  defaultThumbnailSize: 256,
  imageTimeoutSeconds: 30,
};

/** `uploadMedia`'s arguments, the files already adapted. */
export interface UploadMediaInput {
  readonly file: IncomingFile;
  readonly encrypted: boolean;
  /** Hex SHA-256 the client computed over the bytes it sends. */
  readonly sha256: string;
  readonly thumbnail: IncomingFile | null;
}

/** A blob about to be stored with its metadata. */
interface PendingMedia {
  readonly record: MediaRecord;
  readonly blob: StagedBlob;
}

const sha256Hex = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');

/**
 * Attachments, avatars and thumbnails. Encrypted files are kept byte for byte; plaintext ones
 * must be images and are re-encoded. Every refusal happens before anything is kept: blobs are
 * staged, checked, then committed together with their metadata, or thrown away.
 */
export class MediaService {
  /** The rules in force: the defaults with the constructor's overrides. */
  readonly options: MediaServiceOptions;

  constructor(
    private readonly store: MediaStore,
    private readonly blobs: BlobStore,
    options: Partial<MediaServiceOptions> = {},
  ) {
    this.options = { ...defaultMediaServiceOptions, ...options };
  }

  /**
   * Stores an attachment. Encrypted: kept as received, with an optional encrypted thumbnail.
   * Plaintext: must be an image (see `setAvatar`). Either way `sha256` must match the bytes
   * received (BAD_USER_INPUT), and an empty file is refused.
   */
  async uploadMedia(principal: Principal, input: UploadMediaInput): Promise<MediaRecord> {
    const expected = parseSha256(input.sha256);
    if (!input.encrypted) {
      if (input.thumbnail) {
        throw new BadUserInputError(
          'thumbnail is for encrypted uploads; the server makes the thumbnails of plaintext images',
          { field: 'thumbnail' },
        );
      }
      return this.storeImage(principal.userId, 'attachment', input.file, {
        limit: this.options.maxAttachmentBytes,
        expectedSha256: expected,
      });
    }
    return this.storeEncrypted(principal.userId, input, expected);
  }

  /**
   * Sets the caller's avatar: a JPEG, PNG, WebP, GIF (first frame) or AVIF image, recognised by
   * its bytes, re-encoded without metadata, with thumbnails. Earlier avatars are deleted.
   */
  async setAvatar(principal: Principal, file: IncomingFile): Promise<MediaRecord> {
    const avatar = await this.storeImage(principal.userId, 'avatar', file, {
      limit: this.options.maxAvatarBytes,
      expectedSha256: null,
    });
    // The newest avatar wins, also when two setAvatar calls race: each keeps only the newest.
    const older = (await this.store.listAvatars(principal.userId)).slice(1);
    for (const old of older) await this.remove(old.id);
    return avatar;
  }

  /** Deletes one of the caller's media with its thumbnails; NOT_FOUND for anyone else's. */
  async deleteMedia(principal: Principal, id: string): Promise<boolean> {
    const record = await this.store.findMedia(id);
    if (!record || record.ownerId !== principal.userId) throw new NotFoundError('No such media');
    await this.remove(id);
    return true;
  }

  /**
   * An account was deleted: every media it owns goes, avatars included. Bytes first, then the
   * metadata (unlike `remove`): a crash in between leaves rows a redelivery finds again, never
   * bytes no row leads to.
   */
  async accountDeleted(userId: string): Promise<void> {
    const owned = await this.store.listOwnedMedia(userId);
    await Promise.all(owned.map((record) => this.blobs.delete(record.id)));
    for (const record of owned) await this.store.deleteMedia(record.id);
  }

  findMedia(id: string): Promise<MediaRecord | null> {
    return this.store.findMedia(id);
  }

  /** A user's current avatar: the newest one. */
  async avatarOf(userId: string): Promise<MediaRecord | null> {
    return (await this.store.listAvatars(userId))[0] ?? null;
  }

  thumbnails(media: MediaRecord): Promise<MediaRecord[]> {
    return this.store.listThumbnails(media.id);
  }

  /** The media of each id, or null, in the order asked: one store call for the whole list. */
  async findMediaMany(ids: readonly string[]): Promise<(MediaRecord | null)[]> {
    const found = ids.length > 0 ? await this.store.findMediaByIds(ids) : [];
    const byId = new Map(found.map((record) => [record.id, record]));
    return ids.map((id) => byId.get(id) ?? null);
  }

  /** Each user's current avatar, or null, in the order asked: one store call for the whole list. */
  async avatarsOf(userIds: readonly string[]): Promise<(MediaRecord | null)[]> {
    const avatars = userIds.length > 0 ? await this.store.latestAvatarsOf(userIds) : [];
    const byOwner = new Map(avatars.map((avatar) => [avatar.ownerId, avatar]));
    return userIds.map((userId) => byOwner.get(userId) ?? null);
  }

  /** Each media's thumbnails (see `thumbnails`), in the order asked: one store call for all. */
  async thumbnailsOfMany(mediaIds: readonly string[]): Promise<MediaRecord[][]> {
    const thumbnails = mediaIds.length > 0 ? await this.store.listThumbnailsOfMany(mediaIds) : [];
    const byParent = new Map<string, MediaRecord[]>();
    for (const thumbnail of thumbnails) {
      if (thumbnail.parentId === null) continue;
      byParent.set(thumbnail.parentId, [...(byParent.get(thumbnail.parentId) ?? []), thumbnail]);
    }
    return mediaIds.map((id) => byParent.get(id) ?? []);
  }

  /** The default-size server thumbnail, else the client's thumbnail, else none. */
  async thumbnailOf(media: MediaRecord): Promise<MediaRecord | null> {
    return this.preferredThumbnail(await this.store.listThumbnails(media.id));
  }

  /** Of a media's thumbnails: the default-size server one, else the client's, else none. */
  preferredThumbnail(thumbnails: readonly MediaRecord[]): MediaRecord | null {
    return (
      thumbnails.find(
        (thumbnail) => thumbnail.thumbnailSize === this.options.defaultThumbnailSize,
      ) ??
      thumbnails.find((thumbnail) => thumbnail.thumbnailSize === null) ??
      null
    );
  }

  /** A media's metadata and stored size for a download, or null when either is gone. */
  async download(id: string): Promise<{ record: MediaRecord; size: number } | null> {
    const record = await this.store.findMedia(id);
    const size = record ? await this.blobs.size(record.id) : null;
    return record && size !== null ? { record, size } : null;
  }

  /** The bytes of a media found by `download`. */
  readBlob(id: string, range?: ByteRange): Readable {
    return this.blobs.read(id, range);
  }

  private async storeEncrypted(
    ownerId: string,
    input: UploadMediaInput,
    expectedSha256: string,
  ): Promise<MediaRecord> {
    const staged: StagedBlob[] = [];
    try {
      const file = measure(input.file, this.options.maxAttachmentBytes, 'file');
      const blob = await this.blobs.stage(file.chunks);
      staged.push(blob);
      const sha256 = file.sha256();
      this.checkReceived('file', blob.size, sha256, expectedSha256);
      const now = new Date();
      const record = this.record(ownerId, 'attachment', now, {
        contentType: 'application/octet-stream',
        size: blob.size,
        sha256,
        encrypted: true,
      });
      const pending: PendingMedia[] = [{ record, blob }];

      if (input.thumbnail) {
        const thumbnail = measure(input.thumbnail, this.options.maxThumbnailBytes, 'thumbnail');
        const thumbnailBlob = await this.blobs.stage(thumbnail.chunks);
        staged.push(thumbnailBlob);
        const digest = thumbnail.sha256();
        this.checkReceived('thumbnail', thumbnailBlob.size, digest, null);
        pending.push({
          record: this.record(ownerId, 'thumbnail', now, {
            parentId: record.id,
            contentType: 'application/octet-stream',
            size: thumbnailBlob.size,
            sha256: digest,
            encrypted: true,
          }),
          blob: thumbnailBlob,
        });
      }
      await this.keep(pending);
      return record;
    } finally {
      await Promise.all(staged.map((blob) => blob.discard()));
    }
  }

  private async storeImage(
    ownerId: string,
    kind: Extract<MediaKind, 'attachment' | 'avatar'>,
    incoming: IncomingFile,
    rules: { limit: number; expectedSha256: string | null },
  ): Promise<MediaRecord> {
    const file = measure(incoming, rules.limit, 'file');
    const bytes = await collect(file);
    this.checkReceived('file', bytes.length, file.sha256(), rules.expectedSha256);
    const processed = await processPlaintextImage(bytes, {
      maxInputPixels: this.options.maxInputPixels,
      thumbnailSizes: this.options.thumbnailSizes,
      timeoutSeconds: this.options.imageTimeoutSeconds,
    });
    return this.storeProcessed(ownerId, kind, processed);
  }

  private async storeProcessed(
    ownerId: string,
    kind: MediaKind,
    processed: ProcessedImage,
  ): Promise<MediaRecord> {
    const now = new Date();
    const image = processed.image;
    const record = this.record(ownerId, kind, now, {
      contentType: image.contentType,
      size: image.bytes.length,
      sha256: sha256Hex(image.bytes),
      encrypted: false,
      width: image.width,
      height: image.height,
    });
    const outputs = [
      { record, bytes: image.bytes },
      ...processed.thumbnails.map((thumbnail) => ({
        bytes: thumbnail.bytes,
        record: this.record(ownerId, 'thumbnail', now, {
          parentId: record.id,
          thumbnailSize: thumbnail.size,
          contentType: thumbnail.contentType,
          size: thumbnail.bytes.length,
          sha256: sha256Hex(thumbnail.bytes),
          encrypted: false,
          width: thumbnail.width,
          height: thumbnail.height,
        }),
      })),
    ];
    const pending: PendingMedia[] = [];
    try {
      for (const output of outputs) {
        pending.push({ record: output.record, blob: await this.blobs.stage([output.bytes]) });
      }
      await this.keep(pending);
      return record;
    } finally {
      await Promise.all(pending.map(({ blob }) => blob.discard()));
    }
  }

  private checkReceived(field: string, size: number, actual: string, expected: string | null) {
    if (size === 0) throw new BadUserInputError(`${field} is empty`, { field });
    if (expected !== null && actual !== expected) {
      throw new BadUserInputError(`${field} does not match sha256`, { field });
    }
  }

  /**
   * Commits the staged blobs, then stores their metadata in one step. If that fails, the blobs
   * go again: metadata never points at a missing blob, and a crash leaves at worst an orphan blob.
   */
  private async keep(pending: readonly PendingMedia[]): Promise<void> {
    const committed: string[] = [];
    try {
      for (const { record, blob } of pending) {
        await blob.commit(record.id);
        committed.push(record.id);
      }
      await this.store.insert(pending.map(({ record }) => record));
    } catch (error) {
      await Promise.all(committed.map((id) => this.blobs.delete(id)));
      throw error;
    }
  }

  /** Metadata first, then the bytes: a crash in between leaves an orphan blob, not a dead row. */
  private async remove(id: string): Promise<void> {
    const deleted = await this.store.deleteMedia(id);
    await Promise.all(deleted.map((record) => this.blobs.delete(record.id)));
  }

  private record(
    ownerId: string,
    kind: MediaKind,
    now: Date,
    fields: Pick<MediaRecord, 'contentType' | 'size' | 'sha256' | 'encrypted'> &
      Partial<Pick<MediaRecord, 'parentId' | 'thumbnailSize' | 'width' | 'height'>>,
  ): MediaRecord {
    return {
      id: uuid7(now.getTime()),
      ownerId,
      kind,
      parentId: null,
      thumbnailSize: null,
      width: null,
      height: null,
      createdAt: now,
      ...fields,
    };
  }
}
