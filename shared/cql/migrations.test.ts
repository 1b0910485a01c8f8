/**
 * Keyspace migrations against a CQL node (GUARDYN_DATABASE__SCYLLADB_NODES): applied once even
 * when several processes start at once, recorded, and refused when the keyspace is newer than the
 * build. Skipped without a node, except under CI.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { createLogger } from '../logging/index.js';
import { CqlSession, keyspaceName, migrateKeyspace, type CqlMigration } from './index.js';
import { cqlTestTarget, dropTestKeyspaces } from './testing.js';

const target = await cqlTestTarget('migrate');
const logger = createLogger('silent', 'cql-migrations-test');

const migrations: CqlMigration[] = [
  {
    version: 1,
    description: 'a table of runs',
    statements: (ks) => [`CREATE TABLE IF NOT EXISTS ${ks}.runs (id timeuuid PRIMARY KEY)`],
  },
  {
    version: 2,
    description: 'one row per run of this migration',
    statements: (ks) => [`INSERT INTO ${ks}.runs (id) VALUES (now())`],
  },
];

describe('migrateKeyspace', () => {
  if (!target.available) {
    process.stderr.write(`cql migrations: skipping: ${target.reason}\n`);
    it.skip(target.reason, () => undefined);
    return;
  }
  const { database } = target;
  const keyspace = keyspaceName(database.scyllaKeyspacePrefix, 'app');
  const sessions: CqlSession[] = [];
  beforeAll(async () => {
    for (let i = 0; i < 3; i++) {
      sessions.push(
        CqlSession.open({
          nodes: database.scyllaNodes,
          localDataCenter: database.scyllaLocalDataCenter,
          name: `process-${i}`,
          logger,
        }),
      );
    }
    await Promise.all(sessions.map((session) => session.ready(30_000)));
  });
  afterAll(async () => {
    await Promise.all(sessions.map((session) => session.close()));
    await dropTestKeyspaces(database);
  }, 60_000);

  const migrate = (session: CqlSession, known = migrations) =>
    migrateKeyspace(session, {
      keyspace,
      replication: database.scyllaReplication,
      migrations: known,
      logger,
    });

  it('runs each version once when several processes start at once, and records it', async () => {
    await Promise.all(sessions.map((session) => migrate(session)));
    const [first] = sessions as [CqlSession];
    const runs = await first.execute(`SELECT COUNT(*) AS n FROM ${keyspace}.runs`);
    expect(Number(runs.first().get('n'))).toBe(1);
    const recorded = await first.execute(
      `SELECT version, state, description, applied_at FROM ${keyspace}.schema_migrations`,
    );
    expect(
      recorded.rows
        .map((row) => [row.get('version'), row.get('state'), row.get('description')])
        .sort(),
    ).toEqual([
      [1, 'applied', 'a table of runs'],
      [2, 'applied', 'one row per run of this migration'],
    ]);

    await migrate(first);
    const again = await first.execute(`SELECT COUNT(*) AS n FROM ${keyspace}.runs`);
    expect(Number(again.first().get('n'))).toBe(1);
  });

  it('refuses a keyspace newer than the build', async () => {
    await expect(migrate(sessions[0] as CqlSession, migrations.slice(0, 1))).rejects.toThrow(
      `keyspace ${keyspace} has schema version 2, newer than this build knows (1)`,
    );
  });
});
