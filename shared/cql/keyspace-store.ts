import { openKeyspaceSession, type CqlStoreOptions } from './open.js';
import type { CqlMigration } from './migrations.js';
import type { CqlSession } from './session.js';

/**
 * What every CQL store adapter shares: its keyspace's session and that session's life cycle. A
 * store extends it and adds its queries; `openKeyspace` gives it the session to start from.
 */
export abstract class KeyspaceStore {
  protected constructor(
    protected readonly db: CqlSession,
    /** The store's keyspace, to qualify table names in statements. */
    protected readonly ks: string,
  ) {}

  /** Resolves once connected and migrated (for tests and tools; the service relies on /health). */
  ready(timeoutMs?: number): Promise<void> {
    return this.db.ready(timeoutMs);
  }

  async ping(): Promise<void> {
    await this.db.ping();
  }

  async close(): Promise<void> {
    await this.db.close();
  }
}

/**
 * Opens a subgraph's keyspace (connecting and migrating in the background, retrying) and builds
 * the store on it: `openKeyspace(options, 'media', migrations, (db, ks) => new MediaStore(db, ks))`.
 */
export function openKeyspace<Store>(
  options: CqlStoreOptions,
  subgraph: string,
  migrations: readonly CqlMigration[],
  build: (db: CqlSession, keyspace: string) => Store,
): Store {
  const { keyspace, session } = openKeyspaceSession({ ...options, subgraph, migrations });
  return build(session, keyspace);
}
