import type { GuardynConfig } from '../config/index.js';
import type { Logger } from '../logging/index.js';
import { keyspaceName } from './keyspace.js';
import { migrateKeyspace, type CqlMigration } from './migrations.js';
import { CqlSession, type CqlSessionOptions } from './session.js';

/** Session knobs a store may pass through (tests shorten the timeouts). */
export type SessionTuning = Partial<
  Pick<
    CqlSessionOptions,
    'connectTimeoutMs' | 'requestTimeoutMs' | 'initialRetryDelayMs' | 'maxRetryDelayMs'
  >
>;

export interface KeyspaceSessionOptions {
  readonly database: GuardynConfig['database'];
  /** The owning subgraph; the keyspace is `<prefix>_<subgraph>`. */
  readonly subgraph: string;
  readonly migrations: readonly CqlMigration[];
  readonly logger: Logger;
  readonly tuning?: SessionTuning;
}

/** What every CQL store adapter is opened with (its subgraph and migrations are its own). */
export type CqlStoreOptions = Omit<KeyspaceSessionOptions, 'subgraph' | 'migrations'>;

/** A subgraph's keyspace: its name and a session that connects and migrates in the background. */
export interface KeyspaceSession {
  readonly keyspace: string;
  readonly session: CqlSession;
}

/**
 * Opens the session for one subgraph's keyspace: connects to `database.scyllaNodes` in the
 * background (retrying with backoff), creates the keyspace with the configured replication and
 * applies the subgraph's migrations before the session reports ready.
 */
export function openKeyspaceSession(options: KeyspaceSessionOptions): KeyspaceSession {
  const { database, subgraph, migrations, logger } = options;
  const keyspace = keyspaceName(database.scyllaKeyspacePrefix, subgraph);
  const session = CqlSession.open({
    nodes: database.scyllaNodes,
    localDataCenter: database.scyllaLocalDataCenter,
    name: subgraph,
    logger,
    ...options.tuning,
    prepare: (executor) =>
      migrateKeyspace(executor, {
        keyspace,
        replication: database.scyllaReplication,
        migrations,
        logger,
      }),
  });
  return { keyspace, session };
}
