import { openSqlite, truncateWal, type SqliteDatabase } from '../../shared/sqlite/index.js';
import {
  defaultPresenceVisibility,
  type ConnectionRecord,
  type PresenceRecord,
  type PresenceSnapshot,
  type PresenceStatus,
  type PresenceStore,
  type PresenceVisibility,
} from './store.js';

const migrations = [
  `CREATE TABLE presence (
     user_id TEXT PRIMARY KEY,
     status TEXT NOT NULL,
     last_seen_at INTEGER
   );`,
  `ALTER TABLE presence RENAME COLUMN status TO chosen;
   ALTER TABLE presence RENAME COLUMN last_seen_at TO last_active_at;
   ALTER TABLE presence ADD COLUMN announced TEXT NOT NULL DEFAULT 'OFFLINE';
   ALTER TABLE presence ADD COLUMN chosen_at INTEGER;
   CREATE TABLE connections (
     connection_id TEXT PRIMARY KEY,
     user_id TEXT NOT NULL,
     device_id INTEGER NOT NULL,
     last_heartbeat_at INTEGER NOT NULL
   );
   CREATE INDEX connections_by_user ON connections (user_id, last_heartbeat_at);
   CREATE INDEX connections_by_heartbeat ON connections (last_heartbeat_at);`,
  `CREATE TABLE presence_visibility (
     user_id TEXT PRIMARY KEY,
     visibility TEXT NOT NULL
   );`,
];

interface PresenceRow {
  user_id: string;
  chosen: PresenceStatus;
  chosen_at: number | null;
  last_active_at: number | null;
  announced: PresenceStatus;
}

function toPresence(row: PresenceRow): PresenceRecord {
  return {
    userId: row.user_id,
    chosen: row.chosen,
    chosenAt: row.chosen_at === null ? null : new Date(row.chosen_at),
    lastActiveAt: row.last_active_at === null ? null : new Date(row.last_active_at),
    announced: row.announced,
  };
}

export class SqlitePresenceStore implements PresenceStore {
  private readonly db: SqliteDatabase;

  constructor(file: string) {
    this.db = openSqlite(file, migrations);
  }

  async findPresence(userId: string): Promise<PresenceRecord | null> {
    const row = this.db.prepare('SELECT * FROM presence WHERE user_id = ?').get(userId) as
      PresenceRow | undefined;
    return row ? toPresence(row) : null;
  }

  async savePresence(record: PresenceRecord): Promise<void> {
    this.db
      .prepare(
        `INSERT INTO presence (user_id, chosen, chosen_at, last_active_at, announced) VALUES (?, ?, ?, ?, ?)
         ON CONFLICT (user_id) DO UPDATE SET chosen = excluded.chosen, chosen_at = excluded.chosen_at,
           last_active_at = excluded.last_active_at, announced = excluded.announced`,
      )
      .run(
        record.userId,
        record.chosen,
        record.chosenAt?.getTime() ?? null,
        record.lastActiveAt?.getTime() ?? null,
        record.announced,
      );
  }

  async readPresenceBatch(
    userIds: readonly string[],
    liveSince: Date,
  ): Promise<Map<string, PresenceSnapshot>> {
    const rows = this.db
      .prepare(
        `SELECT ids.value AS id, p.*, v.visibility,
           EXISTS (SELECT 1 FROM connections c WHERE c.user_id = ids.value AND c.last_heartbeat_at > ?) AS live
         FROM (SELECT DISTINCT value FROM json_each(?)) ids
         LEFT JOIN presence p ON p.user_id = ids.value
         LEFT JOIN presence_visibility v ON v.user_id = ids.value`,
      )
      .all(liveSince.getTime(), JSON.stringify(userIds)) as (Partial<PresenceRow> & {
      id: string;
      visibility: PresenceVisibility | null;
      live: number;
    })[];
    return new Map(
      rows.map((row) => [
        row.id,
        {
          record: row.user_id ? toPresence(row as PresenceRow) : null,
          connected: row.live === 1,
          visibility: row.visibility ?? defaultPresenceVisibility,
        },
      ]),
    );
  }

  async saveVisibility(userId: string, visibility: PresenceVisibility): Promise<void> {
    this.db
      .prepare(
        `INSERT INTO presence_visibility (user_id, visibility) VALUES (?, ?)
         ON CONFLICT (user_id) DO UPDATE SET visibility = excluded.visibility`,
      )
      .run(userId, visibility);
  }

  async listAnnouncedPresent(): Promise<PresenceRecord[]> {
    const rows = this.db
      .prepare(`SELECT * FROM presence WHERE announced != 'OFFLINE'`)
      .all() as PresenceRow[];
    return rows.map(toPresence);
  }

  async touchConnection(connection: ConnectionRecord): Promise<void> {
    this.db
      .prepare(
        `INSERT INTO connections (connection_id, user_id, device_id, last_heartbeat_at) VALUES (?, ?, ?, ?)
         ON CONFLICT (connection_id) DO UPDATE SET last_heartbeat_at = excluded.last_heartbeat_at`,
      )
      .run(
        connection.connectionId,
        connection.userId,
        connection.deviceId,
        connection.lastHeartbeatAt.getTime(),
      );
  }

  async removeConnection(connectionId: string): Promise<void> {
    this.db.prepare('DELETE FROM connections WHERE connection_id = ?').run(connectionId);
  }

  async hasLiveConnection(userId: string, since: Date): Promise<boolean> {
    // EXISTS stops at the first row of the (user_id, last_heartbeat_at) index; COUNT read them all.
    const row = this.db
      .prepare(
        'SELECT EXISTS (SELECT 1 FROM connections WHERE user_id = ? AND last_heartbeat_at > ?) AS live',
      )
      .get(userId, since.getTime()) as { live: number };
    return row.live === 1;
  }

  async expireConnections(before: Date): Promise<string[]> {
    const rows = this.db
      .prepare('DELETE FROM connections WHERE last_heartbeat_at <= ? RETURNING user_id')
      .all(before.getTime()) as { user_id: string }[];
    return [...new Set(rows.map((row) => row.user_id))];
  }

  async deleteUser(userId: string): Promise<void> {
    this.db.transaction(() => {
      for (const table of ['presence', 'presence_visibility', 'connections'])
        this.db.prepare(`DELETE FROM ${table} WHERE user_id = ?`).run(userId);
    })();
    // secure_delete zeroed the rows; the checkpoint leaves no older copy of them in the WAL.
    truncateWal(this.db);
  }

  async ping(): Promise<void> {
    this.db.prepare('SELECT 1').get();
  }

  async close(): Promise<void> {
    if (this.db.open) this.db.close();
  }
}
