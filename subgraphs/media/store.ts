/** The media subgraph's metadata port; the bytes live in a BlobStore under the same ids. */

export type MediaKind = 'attachment' | 'avatar' | 'thumbnail';

/** One stored file: an attachment, an avatar, or a thumbnail of either. */
export interface MediaRecord {
  readonly id: string;
  readonly ownerId: string;
  readonly kind: MediaKind;
  /** The media this is a thumbnail of; null for attachments and avatars. */
  readonly parentId: string | null;
  /** Server-made thumbnails: the bound of the long side (64, 256, 1024); null otherwise. */
  readonly thumbnailSize: number | null;
  readonly contentType: string;
  /** Bytes of the stored blob. */
  readonly size: number;
  /** Lower-case hex SHA-256 of the stored blob. */
  readonly sha256: string;
  readonly encrypted: boolean;
  readonly width: number | null;
  readonly height: number | null;
  readonly createdAt: Date;
}

export interface MediaStore {
  /** Stores a media together with its thumbnails: all or nothing. Ids must be new. */
  insert(records: readonly MediaRecord[]): Promise<void>;
  findMedia(id: string): Promise<MediaRecord | null>;
  /** Thumbnails of a media: server-made ones by size, smallest first, then client-made ones. */
  listThumbnails(parentId: string): Promise<MediaRecord[]>;
  /** A user's avatars, newest first. */
  listAvatars(ownerId: string): Promise<MediaRecord[]>;
  /** The media among `ids` that exist, in no particular order: one call for a whole list. */
  findMediaByIds(ids: readonly string[]): Promise<MediaRecord[]>;
  /**
   * The thumbnails of each of `parentIds`, grouped by parent, each group in `listThumbnails`
   * order: one call for a whole list.
   */
  listThumbnailsOfMany(parentIds: readonly string[]): Promise<MediaRecord[]>;
  /** The newest avatar of each of `ownerIds` that has one: one call for a whole list. */
  latestAvatarsOf(ownerIds: readonly string[]): Promise<MediaRecord[]>;
  /** Every record the user owns, thumbnails included, in no particular order (a deleted account). */
  listOwnedMedia(ownerId: string): Promise<MediaRecord[]>;
  /** Deletes a media and its thumbnails; returns what was deleted (empty when it was not there). */
  deleteMedia(id: string): Promise<MediaRecord[]>;

  ping(): Promise<void>;
  close(): Promise<void>;
}
