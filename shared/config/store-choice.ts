import path from 'node:path';
import type { GuardynConfig } from './config.js';

/** How a subgraph opens each of its store's adapters. */
export interface StoreAdapters<Store> {
  /** The CQL adapter: it connects in the background, and /health says when it is ready. */
  readonly scylla: (database: GuardynConfig['database']) => Store;
  /** The SQLite adapter, on `file` under the data directory. */
  readonly sqlite: (file: string) => Store;
}

/**
 * A subgraph's store as the configuration selects it, the same rule for every subgraph: ScyllaDB
 * when nodes are configured, else embedded SQLite in `<dataDir>/<sqliteFileName>`.
 */
export function configuredStore<Store>(
  config: GuardynConfig,
  sqliteFileName: string,
  adapters: StoreAdapters<Store>,
): Store {
  if (config.database.scyllaNodes.length > 0) return adapters.scylla(config.database);
  return adapters.sqlite(path.join(config.dataDir, sqliteFileName));
}
