/**
 * The preamble of a test file that runs against the distributed deployment: every service in its
 * own process, events over NATS (GUARDYN_MESSAGING__NATS_URL, else 127.0.0.1:4222), and the
 * stores on Cassandra when GUARDYN_DATABASE__SCYLLADB_NODES names a reachable node (else SQLite,
 * with the reason printed). Started before the file's tests, disposed of after them.
 */
import { afterAll, beforeAll } from '@jest/globals';
import { cqlTestTarget, dropTestKeyspaces, type CqlTestTarget } from '../../shared/cql/testing.js';
import { startDistributedGuardyn, type DistributedGuardyn } from './distributed-guardyn.js';

export interface DistributedWorld {
  readonly guardyn: DistributedGuardyn;
  readonly cassandra: CqlTestTarget;
}

/** `label` names the file's keyspaces; `env` goes to every service on top of the defaults. */
export async function useDistributedGuardyn(
  label: string,
  env: Record<string, string> = {},
): Promise<DistributedWorld> {
  const natsUrl = process.env['GUARDYN_MESSAGING__NATS_URL'] ?? 'nats://127.0.0.1:4222';
  const cassandra = await cqlTestTarget(label);
  if (!cassandra.available) {
    process.stderr.write(`distributed (${label}): stores on SQLite: ${cassandra.reason}\n`);
  }
  let guardyn: DistributedGuardyn | undefined;
  beforeAll(async () => {
    guardyn = await startDistributedGuardyn(natsUrl, {
      ...env,
      ...(cassandra.available
        ? {
            GUARDYN_DATABASE__SCYLLADB_NODES: cassandra.database.scyllaNodes.join(','),
            GUARDYN_DATABASE__SCYLLADB_KEYSPACE_PREFIX: cassandra.database.scyllaKeyspacePrefix,
          }
        : {}),
    });
  }, 180_000);
  afterAll(async () => {
    await guardyn?.dispose();
    if (cassandra.available) await dropTestKeyspaces(cassandra.database);
  });
  return {
    cassandra,
    get guardyn() {
      if (!guardyn) throw new Error('the Guardyn starts in beforeAll: read it in a hook or a test');
      return guardyn;
    },
  };
}
