import type { SqliteDatabase } from '../../../shared/sqlite/index.js';
import type { UnidentifiedAccessRecord } from '../store.js';

interface UnidentifiedAccessRow {
  user_id: string;
  access_key: Buffer | null;
  unrestricted: number;
}

/** Sealed sender's `unidentified_access`, one row per user who ever set it. */
export class UnidentifiedAccessTables {
  constructor(private readonly db: SqliteDatabase) {}

  set(access: UnidentifiedAccessRecord): void {
    this.db
      .prepare(
        `INSERT INTO unidentified_access (user_id, access_key, unrestricted) VALUES (?, ?, ?)
         ON CONFLICT (user_id) DO UPDATE SET access_key = excluded.access_key, unrestricted = excluded.unrestricted`,
      )
      .run(access.userId, access.accessKey, access.unrestricted ? 1 : 0);
  }

  find(userIds: readonly string[]): UnidentifiedAccessRecord[] {
    const rows = this.db
      .prepare(
        'SELECT * FROM unidentified_access WHERE user_id IN (SELECT value FROM json_each(?))',
      )
      .all(JSON.stringify(userIds)) as UnidentifiedAccessRow[];
    return rows.map((row) => ({
      userId: row.user_id,
      accessKey: row.access_key ? new Uint8Array(row.access_key) : null,
      unrestricted: row.unrestricted === 1,
    }));
  }
}
