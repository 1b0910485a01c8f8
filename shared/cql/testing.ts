import { randomBytes } from 'node:crypto';
import cassandra from 'cassandra-driver';
import { loadConfig, type GuardynConfig } from '../config/index.js';
import { describeError } from './errors.js';

/**
 * For tests that need a real CQL node: the nodes of GUARDYN_DATABASE__SCYLLADB_NODES and a
 * keyspace prefix of their own, or the reason they cannot run.
 */
export type CqlTestTarget =
  | { readonly available: true; readonly database: GuardynConfig['database'] }
  | { readonly available: false; readonly reason: string };

/**
 * Reads GUARDYN_DATABASE__SCYLLADB_NODES (and the local DC) from the environment, checks that a
 * node answers, and gives the caller a fresh keyspace prefix (`t_<label>_<random>`), so test
 * files on a shared cluster never see each other's data. Under CI (`CI` set) a missing or silent
 * cluster throws instead: there the suite must run.
 */
export async function cqlTestTarget(
  label: string,
  env: Readonly<Record<string, string | undefined>> = process.env,
): Promise<CqlTestTarget> {
  const nodes = env['GUARDYN_DATABASE__SCYLLADB_NODES'];
  const unavailable = (reason: string): CqlTestTarget => {
    if (env['CI']) throw new Error(`CI is set, so a CQL node is required: ${reason}`);
    return { available: false, reason };
  };
  if (!nodes) return unavailable('GUARDYN_DATABASE__SCYLLADB_NODES is not set');
  const prefix = `t_${label}_${randomBytes(4).toString('hex')}`;
  const { database } = loadConfig({
    GUARDYN_DATABASE__SCYLLADB_NODES: nodes,
    GUARDYN_DATABASE__SCYLLADB_KEYSPACE_PREFIX: prefix,
    ...(env['GUARDYN_DATABASE__SCYLLADB_LOCAL_DC']
      ? { GUARDYN_DATABASE__SCYLLADB_LOCAL_DC: env['GUARDYN_DATABASE__SCYLLADB_LOCAL_DC'] }
      : {}),
  });
  const client = adminClient(database);
  try {
    await client.execute('SELECT release_version FROM system.local');
  } catch (error) {
    return unavailable(`no CQL node answers at ${nodes} (${describeError(error)})`);
  } finally {
    await client.shutdown();
  }
  return { available: true, database };
}

/** Drops every keyspace whose name starts with the target's prefix (the test's own). */
export async function dropTestKeyspaces(database: GuardynConfig['database']): Promise<void> {
  const client = adminClient(database);
  try {
    const rows = (await client.execute('SELECT keyspace_name FROM system_schema.keyspaces')).rows;
    for (const row of rows) {
      const name: unknown = row.get('keyspace_name');
      if (typeof name === 'string' && name.startsWith(`${database.scyllaKeyspacePrefix}_`)) {
        await client.execute(`DROP KEYSPACE IF EXISTS ${name}`);
      }
    }
  } finally {
    await client.shutdown();
  }
}

function adminClient(database: GuardynConfig['database']): cassandra.Client {
  return new cassandra.Client({
    contactPoints: [...database.scyllaNodes],
    localDataCenter: database.scyllaLocalDataCenter,
    socketOptions: { connectTimeout: 3_000, readTimeout: 30_000 },
  });
}
