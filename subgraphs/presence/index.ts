import path from 'node:path';
import { buildSubgraphSchema } from '@apollo/subgraph';
import type { GuardynConfig } from '../../shared/config/index.js';
import { loadTypeDefs } from '../../shared/graphql/index.js';
import {
  startSubgraphServer,
  type RunningServer,
  type SubgraphDependencies,
} from '../../shared/http/index.js';
import { createResolvers } from './resolvers.js';
import { PresenceService } from './service.js';
import type { PresenceStore } from './store.js';
import { SqlitePresenceStore } from './store.sqlite.js';

export const name = 'presence';
export const typeDefs = loadTypeDefs(new URL('./schema.graphql', import.meta.url));
export { createResolvers };

function createStore(config: GuardynConfig): PresenceStore {
  if (config.database.scyllaNodes.length > 0) {
    throw new Error(
      'The ScyllaDB presence store is not built yet; unset GUARDYN_DATABASE__SCYLLADB_NODES',
    );
  }
  return new SqlitePresenceStore(path.join(config.dataDir, 'presence.sqlite'));
}

export async function createSubgraph(
  config: GuardynConfig,
  deps: SubgraphDependencies & { store?: PresenceStore },
): Promise<RunningServer> {
  const store = deps.store ?? createStore(config);
  const service = new PresenceService(store);
  return startSubgraphServer({
    name,
    schema: buildSubgraphSchema([{ typeDefs, resolvers: createResolvers(service) }]),
    host: config.host,
    port: deps.port,
    logger: deps.logger,
    verifier: deps.verifier,
    store,
  });
}
