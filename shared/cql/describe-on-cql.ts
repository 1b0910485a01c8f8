/**
 * The frame of a store's CQL test file (subgraphs/<name>/store.scylla.test.ts). Apart from
 * testing.ts because that one also serves the benchmarks, which run outside jest.
 */
import { afterAll, describe, it } from '@jest/globals';
import type { GuardynConfig } from '../config/index.js';
import { createLogger, type Logger } from '../logging/index.js';
import { cqlTestTarget, dropTestKeyspaces } from './testing.js';

/** What the tests of a CQL suite open their stores with. */
export interface CqlSuite {
  /** The nodes, and a keyspace prefix of the file's own. */
  readonly database: GuardynConfig['database'];
  readonly logger: Logger;
}

/**
 * Runs `suite` when a CQL node answers (GUARDYN_DATABASE__SCYLLADB_NODES), in keyspaces of the
 * file's own that are dropped at the end. Without a node the suite is skipped with the reason,
 * except under CI, where it must run. `label` is the subgraph, `port` its store port.
 */
export async function describeOnCql(
  label: string,
  port: string,
  suite: (cql: CqlSuite) => void,
): Promise<void> {
  const target = await cqlTestTarget(label);
  if (!target.available) {
    process.stderr.write(`${label} store.scylla: skipping the CQL contract: ${target.reason}\n`);
    describe.skip(`${port} contract: ScyllaDB (CQL)`, () => {
      it.skip(target.reason, () => undefined);
    });
    return;
  }
  const { database } = target;
  suite({ database, logger: createLogger('silent', `${label}-store-test`) });
  // One DROP KEYSPACE per test keyspace, in turn: the messaging file makes about thirty, which
  // took over a minute on the shared 2-core machine under load.
  afterAll(() => dropTestKeyspaces(database), 240_000);
}

interface CqlStore {
  ready(timeoutMs: number): Promise<void>;
  close(): Promise<void>;
}

/** The store once its keyspace and tables are ready: what a contract suite's openStore returns. */
export async function readyStore<TStore extends CqlStore>(store: TStore): Promise<TStore> {
  await store.ready(60_000);
  return store;
}

/** Runs `use` on the store once it is ready, and closes it after, whatever happens. */
export async function usingReadyStore<TStore extends CqlStore>(
  store: TStore,
  use: (store: TStore) => Promise<void>,
): Promise<void> {
  try {
    await use(await readyStore(store));
  } finally {
    await store.close();
  }
}
