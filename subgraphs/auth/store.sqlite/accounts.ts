import type { SqliteDatabase } from '../../../shared/sqlite/index.js';
import type { UserRecord } from '../store.js';
import { toUser, type UserRow } from './rows.js';

/** Accounts: `users`, unique by (lower-cased) username. Synchronous: index.ts adds transactions. */
export class AccountTables {
  constructor(private readonly db: SqliteDatabase) {}

  isUsernameTaken(username: string): boolean {
    return this.db.prepare('SELECT 1 FROM users WHERE username = ?').get(username) !== undefined;
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
