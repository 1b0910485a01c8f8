import { randomUUID } from 'node:crypto';
import {
  cells,
  conditional,
  consistency,
  inChunks,
  mapLimited,
  rowPages,
  KeyspaceStore,
  openKeyspace,
  type BatchStatement,
  type CqlMigration,
  type Row,
  type CqlStoreOptions,
} from '../../shared/cql/index.js';
import type { MediaKind, MediaRecord, MediaStore } from './store.js';

/**
 * The media keyspace, modelled for its queries. Media rows never change once written, so the two
 * listings keep a full copy of each record and answer from one partition:
 *
 * - `media`: one row per id (`findMedia`). `insert_token` is the id's claim, made with
 *   `INSERT ... IF NOT EXISTS` before any other column is written; a row without `owner_id` is a
 *   claim whose insert has not finished (or lost), and reads as absent.
 * - `media_thumbnails`: one partition per parent, clustered in `listThumbnails` order: server-made
 *   sizes smallest first, then client-made ones (`size_rank` is the size, or the largest int for
 *   none), then creation time and id.
 * - `media_avatars`: one partition per owner, newest first (`listAvatars`).
 */
const migrations: readonly CqlMigration[] = [
  {
    version: 1,
    description: 'media by id, thumbnails by parent, avatars by owner',
    statements: (ks) => [
      `CREATE TABLE IF NOT EXISTS ${ks}.media (
         ${recordColumns}, insert_token text, PRIMARY KEY (id))`,
      `CREATE TABLE IF NOT EXISTS ${ks}.media_thumbnails (
         ${recordColumns}, size_rank int, PRIMARY KEY (parent_id, size_rank, created_at, id))`,
      `CREATE TABLE IF NOT EXISTS ${ks}.media_avatars (
         ${recordColumns}, PRIMARY KEY (owner_id, created_at, id))
       WITH CLUSTERING ORDER BY (created_at DESC, id DESC)`,
    ],
  },
];

/** The columns of a record, in every table (each table's primary key picks its own). */
const recordColumns = `id text, owner_id text, kind text, parent_id text, thumbnail_size int,
  content_type text, size bigint, sha256 text, encrypted boolean, width int, height int,
  created_at timestamp`;
/** The names of `recordColumns`, in the order of `recordValues`. */
const recordColumnNames = `id, owner_id, kind, parent_id, thumbnail_size, content_type, size,
  sha256, encrypted, width, height, created_at`;
const recordPlaceholders = '?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?';

/** Client-made thumbnails (no size) sort after every server-made size. */
const unsizedRank = 2 ** 31 - 1;
/** Statements in flight at once for one bulk write or read. */
const concurrency = 16;
/** Partitions per `IN` of a batch read. */
const inChunkSize = 100;

const mediaKinds: readonly MediaKind[] = ['attachment', 'avatar', 'thumbnail'];

export type ScyllaMediaStoreOptions = CqlStoreOptions;

/**
 * The distributed MediaStore on ScyllaDB (or Cassandra). Where SQLite inserts a media and its
 * thumbnails in one transaction, this store first claims every id with a lightweight transaction
 * (`IF NOT EXISTS`, so an id is never stored twice), releases its claims and throws if any id was
 * taken, and only then writes the records and their listing rows in one logged batch: all of them
 * become visible, eventually, or none. A crash between the claims and the batch leaves claims that
 * read as absent and hold ids (fresh UUIDv7s) nobody will ask for again.
 *
 * `deleteMedia` deletes a media, its thumbnails and their listing rows in one logged batch. It is
 * not a compare-and-set: two concurrent deletes may both return the records (their blobs are then
 * deleted twice, which is harmless).
 */
export class ScyllaMediaStore extends KeyspaceStore implements MediaStore {
  /** Connects (in the background, retrying) to the configured cluster and migrates the keyspace. */
  static open(options: ScyllaMediaStoreOptions): ScyllaMediaStore {
    return openKeyspace(options, 'media', migrations, (db, ks) => new ScyllaMediaStore(db, ks));
  }

  async insert(records: readonly MediaRecord[]): Promise<void> {
    const ids = records.map((record) => record.id);
    const repeated = ids.find((id, index) => ids.indexOf(id) !== index);
    if (repeated !== undefined) throw new Error(`media ${repeated} appears twice in one insert`);

    const token = randomUUID();
    const claims = await mapLimited(ids, concurrency, async (id) => ({
      id,
      won: await this.claimId(id, token),
    }));
    const taken = claims.find((claim) => !claim.won);
    if (taken) {
      await mapLimited(
        claims.filter((claim) => claim.won),
        concurrency,
        (claim) => this.releaseId(claim.id, token),
      );
      throw new Error(`media ${taken.id} already exists`);
    }

    try {
      await this.db.batch(
        records.flatMap((record) => this.recordWrites(record)),
        { logged: true },
      );
    } catch (error) {
      // A batch that timed out may still be replayed from the batch log, with its own timestamp;
      // deletes written now are newer and win, so the caller may drop the blobs. Should they fail
      // too, the caller's error is still the one to report.
      await this.db
        .batch(
          records.flatMap((record) => this.recordDeletes(record)),
          { logged: true },
        )
        .catch(() => undefined);
      throw error;
    }
  }

  async findMedia(id: string): Promise<MediaRecord | null> {
    const row = (
      await this.db.execute(`SELECT ${recordColumnNames} FROM ${this.ks}.media WHERE id = ?`, [id])
    ).first();
    return row && cells.optionalText(row, 'owner_id') !== null ? toRecord(row) : null;
  }

  async listThumbnails(parentId: string): Promise<MediaRecord[]> {
    const rows = (
      await this.db.execute(
        `SELECT ${recordColumnNames} FROM ${this.ks}.media_thumbnails
         WHERE parent_id = ?`,
        [parentId],
      )
    ).rows;
    return rows.map(toRecord);
  }

  async listAvatars(ownerId: string): Promise<MediaRecord[]> {
    const rows = (
      await this.db.execute(
        `SELECT ${recordColumnNames} FROM ${this.ks}.media_avatars WHERE owner_id = ?`,
        [ownerId],
      )
    ).rows;
    return rows.map(toRecord);
  }

  /**
   * `media` has no partition by owner: a filtered scan of the table. Account deletions are rare;
   * a listing by owner would cost a write on every upload.
   */
  async listOwnedMedia(ownerId: string): Promise<MediaRecord[]> {
    const records: MediaRecord[] = [];
    for await (const rows of rowPages(
      this.db,
      `SELECT ${recordColumnNames} FROM ${this.ks}.media WHERE owner_id = ? ALLOW FILTERING`,
      [ownerId],
    ))
      records.push(...rows.map(toRecord));
    return records;
  }

  async findMediaByIds(ids: readonly string[]): Promise<MediaRecord[]> {
    return this.readInChunks(ids, (chunk) => ({
      query: `SELECT ${recordColumnNames} FROM ${this.ks}.media WHERE id IN ?`,
      params: [chunk],
    }));
  }

  async listThumbnailsOfMany(parentIds: readonly string[]): Promise<MediaRecord[]> {
    // Rows come partition by partition, each in clustering (listThumbnails) order.
    return this.readInChunks(parentIds, (chunk) => ({
      query: `SELECT ${recordColumnNames} FROM ${this.ks}.media_thumbnails WHERE parent_id IN ?`,
      params: [chunk],
    }));
  }

  async latestAvatarsOf(ownerIds: readonly string[]): Promise<MediaRecord[]> {
    return this.readInChunks(ownerIds, (chunk) => ({
      query: `SELECT ${recordColumnNames} FROM ${this.ks}.media_avatars WHERE owner_id IN ?
              PER PARTITION LIMIT 1`,
      params: [chunk],
    }));
  }

  async deleteMedia(id: string): Promise<MediaRecord[]> {
    const record = await this.findMedia(id);
    if (!record) return [];
    const thumbnails = await this.listThumbnails(id);
    const deleted = [record, ...thumbnails];
    await this.db.batch(
      [
        ...deleted.flatMap((entry) => this.recordDeletes(entry)),
        // Anything else listed under this media goes too.
        { query: `DELETE FROM ${this.ks}.media_thumbnails WHERE parent_id = ?`, params: [id] },
      ],
      { logged: true },
    );
    return deleted;
  }

  // --- internals ---

  /** Records read with a partition-key `IN`, chunked; chunks are read together. */
  private async readInChunks(
    keys: readonly string[],
    statement: (chunk: string[]) => BatchStatement,
  ): Promise<MediaRecord[]> {
    const chunks = await mapLimited(inChunks(keys, inChunkSize), concurrency, async (chunk) => {
      const { query, params } = statement(chunk);
      const rows = (await this.db.execute(query, params)).rows;
      return rows.flatMap((row) =>
        cells.optionalText(row, 'owner_id') === null ? [] : [toRecord(row)],
      );
    });
    return chunks.flat();
  }

  /** True when `id` is now claimed by `token` (also when a timed-out attempt of ours won it). */
  private async claimId(id: string, token: string): Promise<boolean> {
    const outcome = await conditional(
      this.db,
      `INSERT INTO ${this.ks}.media (id, insert_token) VALUES (?, ?) IF NOT EXISTS`,
      [id, token],
      async () => (await this.claimOf(id)) === token,
    );
    return outcome.applied;
  }

  /** Gives back a claim this insert won; a compare-and-set, so it never removes anyone else's. */
  private async releaseId(id: string, token: string): Promise<void> {
    await conditional(
      this.db,
      `DELETE FROM ${this.ks}.media WHERE id = ? IF insert_token = ?`,
      [id, token],
      async () => (await this.claimOf(id)) !== token,
    );
  }

  private async claimOf(id: string): Promise<string | null> {
    const row = (
      await this.db.execute(`SELECT insert_token FROM ${this.ks}.media WHERE id = ?`, [id], {
        consistency: consistency.localSerial,
      })
    ).first();
    return row ? cells.optionalText(row, 'insert_token') : null;
  }

  /** The record's columns in its claimed row (its claim untouched), and its listing rows. */
  private recordWrites(record: MediaRecord): BatchStatement[] {
    const values = recordValues(record);
    const writes: BatchStatement[] = [
      {
        query: `INSERT INTO ${this.ks}.media (${recordColumnNames}) VALUES (${recordPlaceholders})`,
        params: values,
      },
    ];
    if (record.parentId !== null) {
      writes.push({
        query: `INSERT INTO ${this.ks}.media_thumbnails (${recordColumnNames}, size_rank)
                VALUES (${recordPlaceholders}, ?)`,
        params: [...values, sizeRank(record)],
      });
    }
    if (record.kind === 'avatar') {
      writes.push({
        query: `INSERT INTO ${this.ks}.media_avatars (${recordColumnNames})
                VALUES (${recordPlaceholders})`,
        params: values,
      });
    }
    return writes;
  }

  /** The deletes that undo `recordWrites`. */
  private recordDeletes(record: MediaRecord): BatchStatement[] {
    const deletes: BatchStatement[] = [
      { query: `DELETE FROM ${this.ks}.media WHERE id = ?`, params: [record.id] },
    ];
    if (record.parentId !== null) {
      deletes.push({
        query: `DELETE FROM ${this.ks}.media_thumbnails
                WHERE parent_id = ? AND size_rank = ? AND created_at = ? AND id = ?`,
        params: [record.parentId, sizeRank(record), record.createdAt, record.id],
      });
    }
    if (record.kind === 'avatar') {
      deletes.push({
        query: `DELETE FROM ${this.ks}.media_avatars WHERE owner_id = ? AND created_at = ? AND id = ?`,
        params: [record.ownerId, record.createdAt, record.id],
      });
    }
    return deletes;
  }
}

function sizeRank(record: MediaRecord): number {
  return record.thumbnailSize ?? unsizedRank;
}

/** Values of `recordColumnNames`, in its order. */
function recordValues(record: MediaRecord): unknown[] {
  return [
    record.id,
    record.ownerId,
    record.kind,
    record.parentId,
    record.thumbnailSize,
    record.contentType,
    BigInt(record.size),
    record.sha256,
    record.encrypted,
    record.width,
    record.height,
    record.createdAt,
  ];
}

function toRecord(row: Row): MediaRecord {
  return {
    id: cells.text(row, 'id'),
    ownerId: cells.text(row, 'owner_id'),
    kind: cells.oneOf(row, 'kind', mediaKinds),
    parentId: cells.optionalText(row, 'parent_id'),
    thumbnailSize: cells.optionalInt(row, 'thumbnail_size'),
    contentType: cells.text(row, 'content_type'),
    size: cells.int(row, 'size'),
    sha256: cells.text(row, 'sha256'),
    encrypted: cells.bool(row, 'encrypted'),
    width: cells.optionalInt(row, 'width'),
    height: cells.optionalInt(row, 'height'),
    createdAt: cells.date(row, 'created_at'),
  };
}
