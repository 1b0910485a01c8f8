import type { SqliteDatabase } from '../../../shared/sqlite/index.js';
import { quarantineKey } from '../store-rules.js';
import type { UserRecord } from '../store.js';
import { toUser, type UserRow } from './rows.js';

/** Accounts: `users`, unique by (lower-cased) username. Synchronous: index.ts adds transactions. */
export class AccountTables {
  constructor(private readonly db: SqliteDatabase) {}

  /** Taken by an account, or quarantined after a deletion until after `now`. */
  isUsernameTaken(username: string, now: Date): boolean {
    if (this.db.prepare('SELECT 1 FROM users WHERE username = ?').get(username) !== undefined)
      return true;
    return (
      this.db
        .prepare('SELECT 1 FROM username_quarantine WHERE username_hash = ? AND until > ?')
        .get(quarantineKey(username), now.getTime()) !== undefined
    );
  }

  /**
   * Deletes the account (devices, keys, KeyPackages, sessions and refresh tokens cascade) and
   * quarantines its username; expired quarantine rows are swept on the way.
   */
  deleteAndQuarantine(user: UserRecord, until: Date, now: Date): void {
    this.db.prepare('DELETE FROM users WHERE id = ?').run(user.id);
    this.db.prepare('DELETE FROM username_quarantine WHERE until <= ?').run(now.getTime());
    this.db
      .prepare(
        `INSERT INTO username_quarantine (username_hash, until) VALUES (?, ?)
         ON CONFLICT (username_hash) DO UPDATE SET until = max(until, excluded.until)`,
      )
      .run(quarantineKey(user.username), until.getTime());
  }

  insert(user: UserRecord): void {
    this.db
      .prepare('INSERT INTO users (id, username, password_hash, created_at) VALUES (?, ?, ?, ?)')
      .run(user.id, user.username, user.passwordHash, user.createdAt.getTime());
  }

  findById(id: string): UserRecord | null {
    const row = this.db.prepare('SELECT * FROM users WHERE id = ?').get(id) as UserRow | undefined;
    return row ? toUser(row) : null;
  }

  findByIds(ids: readonly string[]): UserRecord[] {
    const rows = this.db
      .prepare('SELECT * FROM users WHERE id IN (SELECT value FROM json_each(?))')
      .all(JSON.stringify(ids)) as UserRow[];
    return rows.map(toUser);
  }

  findByUsername(username: string): UserRecord | null {
    const row = this.db.prepare('SELECT * FROM users WHERE username = ?').get(username) as
      UserRow | undefined;
    return row ? toUser(row) : null;
  }
}
