/**
 * Where a value (a user id) is still stored: every row of every table of the stores, read
 * through their engines, and the raw bytes of every file under a data folder (SQLite files and
 * their WALs, blobs). For the account-deletion tests: after a deletion, nothing may name the user.
 */
import { readdirSync } from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import cassandra from 'cassandra-driver';
import type { GuardynConfig } from '../../shared/config/index.js';
import { filesContaining } from './plaintext-scan.js';

/** Finds where `needle` is stored; one `file: table` or `keyspace.table` entry per place. */
export type TraceProbe = (needle: string) => Promise<string[]>;

const contains = (value: unknown, needle: string): boolean =>
  Buffer.isBuffer(value)
    ? value.includes(Buffer.from(needle, 'utf8'))
    : JSON.stringify(value, (_key, inner: unknown) =>
        typeof inner === 'bigint' ? inner.toString() : inner,
      ).includes(needle);

/** Every table of every `*.sqlite` file in `dataDir` whose rows hold `needle` in any column. */
export function sqliteRowsNaming(dataDir: string, needle: string): string[] {
  const found: string[] = [];
  for (const file of readdirSync(dataDir).filter((name) => name.endsWith('.sqlite'))) {
    const db = new Database(path.join(dataDir, file), { readonly: true, fileMustExist: true });
    try {
      const tables = db.prepare("SELECT name FROM sqlite_master WHERE type = 'table'").all() as {
        name: string;
      }[];
      for (const { name } of tables) {
        const rows = db.prepare(`SELECT * FROM "${name}"`).all() as Record<string, unknown>[];
        const naming = rows.some((row) => Object.values(row).some((v) => contains(v, needle)));
        if (naming) found.push(`${file}: ${name}`);
      }
    } finally {
      db.close();
    }
  }
  return found;
}

/** Every table of the deployment's keyspaces (`<prefix>_*`) whose rows hold `needle`. */
export async function cqlRowsNaming(
  database: GuardynConfig['database'],
  needle: string,
): Promise<string[]> {
  const client = new cassandra.Client({
    contactPoints: [...database.scyllaNodes],
    localDataCenter: database.scyllaLocalDataCenter,
  });
  try {
    const tables = (
      await client.execute('SELECT keyspace_name, table_name FROM system_schema.tables')
    ).rows
      .map((row) => `${String(row.get('keyspace_name'))}.${String(row.get('table_name'))}`)
      .filter((name) => name.startsWith(`${database.scyllaKeyspacePrefix}_`));
    const found: string[] = [];
    for (const table of tables) {
      // Tables of a test deployment are small: read each whole, page by page.
      let pageState: string | undefined;
      let naming = false;
      do {
        const page = await client.execute(`SELECT * FROM ${table}`, [], {
          fetchSize: 500,
          ...(pageState === undefined ? {} : { pageState }),
        });
        naming ||= page.rows.some((row) =>
          row.values().some((value: unknown) => contains(value, needle)),
        );
        pageState = page.pageState ?? undefined;
      } while (pageState !== undefined && !naming);
      if (naming) found.push(table);
    }
    return found;
  } finally {
    await client.shutdown();
  }
}

/** The files under `dataDir` whose bytes hold `needle` (a WAL not truncated shows here). */
export async function filesNaming(dataDir: string, needle: string): Promise<string[]> {
  return (await filesContaining(dataDir, [needle])).map((entry) => `file ${entry}`);
}

/**
 * The probe of a deployment: its SQLite rows and files, or its CQL rows and files (blobs,
 * keys) when it runs on CQL.
 */
export function traceProbe(dataDir: string, database?: GuardynConfig['database']): TraceProbe {
  return async (needle) => [
    ...(database ? await cqlRowsNaming(database, needle) : sqliteRowsNaming(dataDir, needle)),
    ...(await filesNaming(dataDir, needle)),
  ];
}
