import { createHash } from 'node:crypto';
import { readdirSync } from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';

/** Per table of every SQLite store in a data folder: a hash of all its rows. */
export type StoreSnapshot = ReadonlyMap<string, string>;

/**
 * Reads every table of every `*.sqlite` file in `dataDir` (read-only, beside the running
 * service's own connection) and hashes its rows, so a test can tell whether anything changed.
 * `ignore` names `table.column`s that change without any write a client asked for.
 */
export function snapshotStores(dataDir: string, ignore: readonly string[] = []): StoreSnapshot {
  const snapshot = new Map<string, string>();
  for (const file of readdirSync(dataDir)
    .filter((name) => name.endsWith('.sqlite'))
    .sort()) {
    const db = new Database(path.join(dataDir, file), { readonly: true, fileMustExist: true });
    try {
      const tables = db
        .prepare("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")
        .all() as { name: string }[];
      for (const { name } of tables) {
        const rows = db.prepare(`SELECT * FROM "${name}"`).all() as Record<string, unknown>[];
        // Sorted, so the hash does not depend on the order the engine returns rows in.
        const lines = rows
          .map((row) =>
            Object.entries(row)
              .filter(([column]) => !ignore.includes(`${name}.${column}`))
              .map(([column, value]) => `${column}=${serialize(value)}`)
              .join(';'),
          )
          .sort();
        const hash = createHash('sha256').update(lines.join('\n')).digest('hex');
        snapshot.set(`${file}:${name}`, `${rows.length}:${hash}`);
      }
    } finally {
      db.close();
    }
  }
  return snapshot;
}

/** The tables whose rows differ between two snapshots. */
export function changedTables(before: StoreSnapshot, after: StoreSnapshot): string[] {
  const names = new Set([...before.keys(), ...after.keys()]);
  return [...names].filter((name) => before.get(name) !== after.get(name)).sort();
}

function serialize(value: unknown): string {
  return Buffer.isBuffer(value) ? value.toString('hex') : String(value);
}
