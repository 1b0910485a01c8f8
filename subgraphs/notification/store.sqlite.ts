import { openSqlite, truncateWal, type SqliteDatabase } from '../../shared/sqlite/index.js';
import type { NotificationStore, PushPlatform, PushRegistration } from './store.js';

const migrations = [
  `
  CREATE TABLE push_registrations (
    user_id TEXT NOT NULL,
    device_id INTEGER NOT NULL,
    platform TEXT NOT NULL,
    token TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    last_push_at INTEGER,
    PRIMARY KEY (user_id, device_id),
    UNIQUE (platform, token)
  );
  `,
  // The event whose push is in progress (see NotificationStore.claimPush); NULL once settled.
  `ALTER TABLE push_registrations ADD COLUMN push_claim TEXT;`,
];

interface RegistrationRow {
  user_id: string;
  device_id: number;
  platform: PushPlatform;
  token: string;
  created_at: number;
  last_push_at: number | null;
}

function toRegistration(row: RegistrationRow): PushRegistration {
  return {
    userId: row.user_id,
    deviceId: row.device_id,
    platform: row.platform,
    token: row.token,
    createdAt: new Date(row.created_at),
    lastPushAt: row.last_push_at === null ? null : new Date(row.last_push_at),
  };
}

/** The embedded NotificationStore. better-sqlite3 is synchronous, so each transaction is atomic. */
export class SqliteNotificationStore implements NotificationStore {
  private readonly db: SqliteDatabase;

  constructor(file: string) {
    this.db = openSqlite(file, migrations);
  }

  async register(registration: Omit<PushRegistration, 'lastPushAt' | 'createdAt'>, now: Date) {
    const { userId, deviceId, platform, token } = registration;
    return this.db.transaction(() => {
      this.db
        .prepare(
          'DELETE FROM push_registrations WHERE platform = ? AND token = ? AND NOT (user_id = ? AND device_id = ?)',
        )
        .run(platform, token, userId, deviceId);
      // Same token again: keep its history; a new token starts afresh.
      this.db
        .prepare(
          `INSERT INTO push_registrations (user_id, device_id, platform, token, created_at, last_push_at)
           VALUES (?, ?, ?, ?, ?, NULL)
           ON CONFLICT (user_id, device_id) DO UPDATE SET
             created_at = CASE WHEN platform = excluded.platform AND token = excluded.token
                               THEN created_at ELSE excluded.created_at END,
             last_push_at = CASE WHEN platform = excluded.platform AND token = excluded.token
                                 THEN last_push_at ELSE NULL END,
             push_claim = CASE WHEN platform = excluded.platform AND token = excluded.token
                               THEN push_claim ELSE NULL END,
             platform = excluded.platform,
             token = excluded.token`,
        )
        .run(userId, deviceId, platform, token, now.getTime());
      return this.findSync(userId, deviceId) as PushRegistration;
    })();
  }

  async findRegistration(userId: string, deviceId: number) {
    return this.findSync(userId, deviceId);
  }

  async findRegistrations(userId: string, deviceIds: readonly number[]) {
    const rows = this.db
      .prepare(
        `SELECT * FROM push_registrations
         WHERE user_id = ? AND device_id IN (SELECT value FROM json_each(?)) ORDER BY device_id`,
      )
      .all(userId, JSON.stringify(deviceIds)) as RegistrationRow[];
    return rows.map(toRegistration);
  }

  async removeRegistration(userId: string, deviceId: number) {
    return (
      this.db
        .prepare('DELETE FROM push_registrations WHERE user_id = ? AND device_id = ?')
        .run(userId, deviceId).changes > 0
    );
  }

  async removeUserRegistrations(userId: string, _deviceIds: readonly number[]) {
    const removed = this.db
      .prepare('DELETE FROM push_registrations WHERE user_id = ?')
      .run(userId).changes;
    // secure_delete zeroed the rows; the checkpoint leaves no older copy of them in the WAL.
    truncateWal(this.db);
    return removed;
  }

  async removeToken(userId: string, deviceId: number, token: string) {
    return (
      this.db
        .prepare('DELETE FROM push_registrations WHERE user_id = ? AND device_id = ? AND token = ?')
        .run(userId, deviceId, token).changes > 0
    );
  }

  async claimPush(userId: string, deviceId: number, now: Date, windowMs: number, claimId: string) {
    return this.db.transaction(() => {
      const held = this.db
        .prepare(
          'SELECT * FROM push_registrations WHERE user_id = ? AND device_id = ? AND push_claim = ?',
        )
        .get(userId, deviceId, claimId) as RegistrationRow | undefined;
      if (held) return toRegistration(held);
      const claimed = this.db
        .prepare(
          `UPDATE push_registrations SET last_push_at = ?, push_claim = ?
           WHERE user_id = ? AND device_id = ? AND (last_push_at IS NULL OR last_push_at <= ?)
           RETURNING *`,
        )
        .get(now.getTime(), claimId, userId, deviceId, now.getTime() - windowMs) as
        RegistrationRow | undefined;
      return claimed ? toRegistration(claimed) : null;
    })();
  }

  async settlePush(userId: string, deviceId: number, claimId: string) {
    return (
      this.db
        .prepare(
          'UPDATE push_registrations SET push_claim = NULL WHERE user_id = ? AND device_id = ? AND push_claim = ?',
        )
        .run(userId, deviceId, claimId).changes > 0
    );
  }

  async ping() {
    this.db.prepare('SELECT 1').get();
  }

  async close() {
    this.db.close();
  }

  private findSync(userId: string, deviceId: number): PushRegistration | null {
    const row = this.db
      .prepare('SELECT * FROM push_registrations WHERE user_id = ? AND device_id = ?')
      .get(userId, deviceId) as RegistrationRow | undefined;
    return row ? toRegistration(row) : null;
  }
}
