import { openSqlite, truncateWal, type SqliteDatabase } from '../../shared/sqlite/index.js';
import type { MediaKind, MediaRecord, MediaStore } from './store.js';

const migrations = [
  `
  CREATE TABLE media (
    id TEXT PRIMARY KEY,
    owner_id TEXT NOT NULL,
    kind TEXT NOT NULL,
    parent_id TEXT REFERENCES media(id) ON DELETE CASCADE,
    thumbnail_size INTEGER,
    content_type TEXT NOT NULL,
    size INTEGER NOT NULL,
    sha256 TEXT NOT NULL,
    encrypted INTEGER NOT NULL,
    width INTEGER,
    height INTEGER,
    created_at INTEGER NOT NULL
  );
  CREATE INDEX media_by_parent ON media (parent_id);
  CREATE INDEX avatars_by_owner ON media (owner_id, created_at) WHERE kind = 'avatar';
  `,
  // Everything a user owns, for an account deletion.
  `CREATE INDEX media_by_owner ON media (owner_id);`,
];

interface MediaRow {
  id: string;
  owner_id: string;
  kind: MediaKind;
  parent_id: string | null;
  thumbnail_size: number | null;
  content_type: string;
  size: number;
  sha256: string;
  encrypted: number;
  width: number | null;
  height: number | null;
  created_at: number;
}

function toRecord(row: MediaRow): MediaRecord {
  return {
    id: row.id,
    ownerId: row.owner_id,
    kind: row.kind,
    parentId: row.parent_id,
    thumbnailSize: row.thumbnail_size,
    contentType: row.content_type,
    size: row.size,
    sha256: row.sha256,
    encrypted: row.encrypted !== 0,
    width: row.width,
    height: row.height,
    createdAt: new Date(row.created_at),
  };
}

/** The embedded MediaStore. better-sqlite3 is synchronous, so each transaction is atomic. */
export class SqliteMediaStore implements MediaStore {
  private readonly db: SqliteDatabase;

  constructor(file: string) {
    this.db = openSqlite(file, migrations);
  }

  async insert(records: readonly MediaRecord[]) {
    const insert = this.db.prepare(
      `INSERT INTO media (id, owner_id, kind, parent_id, thumbnail_size, content_type, size, sha256,
         encrypted, width, height, created_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    );
    this.db.transaction(() => {
      for (const record of records) {
        insert.run(
          record.id,
          record.ownerId,
          record.kind,
          record.parentId,
          record.thumbnailSize,
          record.contentType,
          record.size,
          record.sha256,
          record.encrypted ? 1 : 0,
          record.width,
          record.height,
          record.createdAt.getTime(),
        );
      }
    })();
  }

  async findMedia(id: string) {
    const row = this.db.prepare('SELECT * FROM media WHERE id = ?').get(id) as MediaRow | undefined;
    return row ? toRecord(row) : null;
  }

  async listThumbnails(parentId: string) {
    const rows = this.db
      .prepare(
        `SELECT * FROM media WHERE parent_id = ?
         ORDER BY thumbnail_size IS NULL, thumbnail_size, created_at, id`,
      )
      .all(parentId) as MediaRow[];
    return rows.map(toRecord);
  }

  async listAvatars(ownerId: string) {
    const rows = this.db
      .prepare(
        `SELECT * FROM media WHERE owner_id = ? AND kind = 'avatar'
         ORDER BY created_at DESC, id DESC`,
      )
      .all(ownerId) as MediaRow[];
    return rows.map(toRecord);
  }

  async findMediaByIds(ids: readonly string[]) {
    const rows = this.db
      .prepare('SELECT * FROM media WHERE id IN (SELECT value FROM json_each(?))')
      .all(JSON.stringify(ids)) as MediaRow[];
    return rows.map(toRecord);
  }

  async listThumbnailsOfMany(parentIds: readonly string[]) {
    const rows = this.db
      .prepare(
        `SELECT * FROM media WHERE parent_id IN (SELECT value FROM json_each(?))
         ORDER BY parent_id, thumbnail_size IS NULL, thumbnail_size, created_at, id`,
      )
      .all(JSON.stringify(parentIds)) as MediaRow[];
    return rows.map(toRecord);
  }

  async latestAvatarsOf(ownerIds: readonly string[]) {
    // The first row of each owner in `listAvatars` order (the avatars_by_owner index).
    const rows = this.db
      .prepare(
        `SELECT * FROM (
           SELECT *, ROW_NUMBER() OVER (PARTITION BY owner_id ORDER BY created_at DESC, id DESC) AS rank
           FROM media WHERE kind = 'avatar' AND owner_id IN (SELECT value FROM json_each(?))
         ) WHERE rank = 1`,
      )
      .all(JSON.stringify(ownerIds)) as MediaRow[];
    return rows.map(toRecord);
  }

  async listOwnedMedia(ownerId: string) {
    const rows = this.db
      .prepare('SELECT * FROM media WHERE owner_id = ?')
      .all(ownerId) as MediaRow[];
    return rows.map(toRecord);
  }

  async deleteMedia(id: string) {
    const deleted = this.db.transaction(() => {
      const rows = this.db
        .prepare('SELECT * FROM media WHERE id = ? OR parent_id = ?')
        .all(id, id) as MediaRow[];
      // Thumbnails go with their parent (ON DELETE CASCADE).
      this.db.prepare('DELETE FROM media WHERE id = ?').run(id);
      return rows.map(toRecord);
    })();
    // secure_delete zeroed the rows; the checkpoint leaves no older copy of them in the WAL.
    if (deleted.length > 0) truncateWal(this.db);
    return deleted;
  }

  async ping() {
    this.db.prepare('SELECT 1').get();
  }

  async close() {
    this.db.close();
  }
}
