import { mkdirSync } from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { traceSqliteStatements, tracingActive } from '../tracing/index.js';
import { cacheStatements } from './statement-cache.js';

export type SqliteDatabase = Database.Database;

/**
 * Opens (creating if needed) one subgraph's SQLite file and brings its schema up to date.
 * `migrations[i]` moves the schema from version i to i + 1; the version lives in `user_version`,
 * so a migration runs once, inside a transaction with the version bump.
 *
 * `file` may be ':memory:' for unit tests.
 */
export function openSqlite(file: string, migrations: readonly string[]): SqliteDatabase {
  if (file !== ':memory:') mkdirSync(path.dirname(file), { recursive: true });
  const db = new Database(file);
  db.pragma('journal_mode = WAL');
  // NORMAL with WAL is durable across process crashes (not power loss): a committed write survives kill -9.
  db.pragma('synchronous = NORMAL');
  db.pragma('foreign_keys = ON');
  db.pragma('busy_timeout = 5000');
  // Deleted rows are overwritten with zeros, not left in free pages (account deletion, acks).
  db.pragma('secure_delete = ON');

  const current = db.pragma('user_version', { simple: true }) as number;
  if (current > migrations.length) {
    db.close();
    throw new Error(
      `${file} has schema version ${current}, newer than this build knows (${migrations.length})`,
    );
  }
  for (let version = current; version < migrations.length; version++) {
    db.transaction(() => {
      db.exec(migrations[version] ?? '');
      db.pragma(`user_version = ${version + 1}`);
    })();
  }
  if (tracingActive()) traceSqliteStatements(db, path.basename(file));
  // After tracing, so the cached statements are the traced ones.
  cacheStatements(db);
  return db;
}

/**
 * Copies the WAL into the database file and truncates it to zero bytes, so that rows just
 * deleted (zeroed by `secure_delete`) leave no older copy in the WAL. Run after an account
 * deletion; a reader in the middle of a read can keep part of the WAL, which the next checkpoint
 * then truncates.
 */
export function truncateWal(db: SqliteDatabase): void {
  if (db.open && db.name !== ':memory:') db.pragma('wal_checkpoint(TRUNCATE)');
}
