import { hostname } from 'node:os';
import type { ScyllaReplication } from '../config/index.js';
import type { Logger } from '../logging/index.js';
import { replicationCql } from './keyspace.js';
import { consistency, type CqlExecutor } from './session.js';

/** One step of a keyspace's schema. Versions start at 1 and go up by one. */
export interface CqlMigration {
  readonly version: number;
  readonly description: string;
  /**
   * The statements, given the keyspace name. Each must be idempotent (`IF NOT EXISTS`): a
   * migration cut short by a crash is run again from its first statement.
   */
  readonly statements: (keyspace: string) => readonly string[];
}

export interface MigrateOptions {
  readonly keyspace: string;
  readonly replication: ScyllaReplication;
  readonly migrations: readonly CqlMigration[];
  readonly logger: Logger;
  /** How long a claim to run a migration lasts if its owner dies; default 120 s. */
  readonly leaseSeconds?: number;
  /** How long to wait for another process's migration before giving up; default 300 s. */
  readonly waitTimeoutMs?: number;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Creates the keyspace (with the configured replication; an existing keyspace keeps its own) and
 * brings its schema up to date, recording each applied version in `<keyspace>.schema_migrations`.
 *
 * Safe when several processes start at once: each version is claimed with a lightweight
 * transaction before it runs, so one process runs it while the others wait for it to be marked
 * applied. A claim expires after `leaseSeconds`, so a process that died mid-migration does not
 * block the others for ever. Throws when the keyspace records a version newer than this build knows.
 */
export async function migrateKeyspace(db: CqlExecutor, options: MigrateOptions): Promise<void> {
  const { keyspace, migrations, logger } = options;
  migrations.forEach((migration, index) => {
    if (migration.version !== index + 1)
      throw new Error(
        `${keyspace}: migration ${index} has version ${migration.version}, not ${index + 1}`,
      );
  });
  const lease = options.leaseSeconds ?? 120;
  const owner = `${hostname()}:${process.pid}:${Math.random().toString(36).slice(2, 8)}`;

  await db.execute(
    `CREATE KEYSPACE IF NOT EXISTS ${keyspace} WITH replication = ${replicationCql(options.replication)}`,
  );
  await db.execute(
    `CREATE TABLE IF NOT EXISTS ${keyspace}.schema_migrations (
       version int PRIMARY KEY, description text, state text, owner text, applied_at timestamp)`,
  );

  const recorded = await db.execute(`SELECT version, state FROM ${keyspace}.schema_migrations`);
  const newest = Math.max(0, ...recorded.rows.map((row) => Number(row.get('version'))));
  if (newest > migrations.length) {
    throw new Error(
      `keyspace ${keyspace} has schema version ${newest}, newer than this build knows (${migrations.length})`,
    );
  }

  const deadline = Date.now() + (options.waitTimeoutMs ?? 300_000);
  for (const migration of migrations) {
    for (;;) {
      const current = (
        await db.execute(
          `SELECT state, owner FROM ${keyspace}.schema_migrations WHERE version = ?`,
          [migration.version],
          { consistency: consistency.localSerial },
        )
      ).first();
      if (current?.get('state') === 'applied') break;
      if (!current) {
        const claim = await db.execute(
          `INSERT INTO ${keyspace}.schema_migrations (version, description, state, owner)
           VALUES (?, ?, 'applying', ?) IF NOT EXISTS USING TTL ${lease}`,
          [migration.version, migration.description, owner],
          { idempotent: false },
        );
        if (claim.wasApplied()) {
          logger.info(
            { keyspace, version: migration.version },
            `migrating: ${migration.description}`,
          );
          for (const statement of migration.statements(keyspace)) await db.execute(statement);
          // Written without a TTL, these cells keep the row after the claim's own cells expire.
          await db.execute(
            `UPDATE ${keyspace}.schema_migrations SET state = 'applied', description = ?, owner = ?,
             applied_at = ? WHERE version = ? IF owner = ?`,
            [migration.description, owner, new Date(), migration.version, owner],
            { idempotent: false },
          );
          continue;
        }
      }
      if (Date.now() > deadline) {
        throw new Error(
          `${keyspace}: gave up waiting for migration ${migration.version} (held by ${String(current?.get('owner'))})`,
        );
      }
      await sleep(250);
    }
  }
}
