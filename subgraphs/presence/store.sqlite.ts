import { openSqlite, type SqliteDatabase } from '../../shared/sqlite/index.js';
import type { PresenceRecord, PresenceStatus, PresenceStore } from './store.js';

const migrations = [
  `CREATE TABLE presence (
     user_id TEXT PRIMARY KEY,
     status TEXT NOT NULL,
     last_seen_at INTEGER
   );`,
];

interface PresenceRow {
  user_id: string;
  status: PresenceStatus;
  last_seen_at: number | null;
}

export class SqlitePresenceStore implements PresenceStore {
  private readonly db: SqliteDatabase;

  constructor(file: string) {
    this.db = openSqlite(file, migrations);
  }

  async findPresence(userId: string): Promise<PresenceRecord | null> {
    const row = this.db.prepare('SELECT * FROM presence WHERE user_id = ?').get(userId) as
      PresenceRow | undefined;
    return row
      ? {
          userId: row.user_id,
          status: row.status,
          lastSeenAt: row.last_seen_at === null ? null : new Date(row.last_seen_at),
        }
      : null;
  }

  async savePresence(record: PresenceRecord): Promise<void> {
    this.db
      .prepare(
        `INSERT INTO presence (user_id, status, last_seen_at) VALUES (?, ?, ?)
         ON CONFLICT (user_id) DO UPDATE SET status = excluded.status, last_seen_at = excluded.last_seen_at`,
      )
      .run(record.userId, record.status, record.lastSeenAt?.getTime() ?? null);
  }

  async ping(): Promise<void> {
    this.db.prepare('SELECT 1').get();
  }

  async close(): Promise<void> {
    if (this.db.open) this.db.close();
  }
}
