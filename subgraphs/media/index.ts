import { buildSubgraphSchema } from '@apollo/subgraph';
import type { GuardynConfig } from '../../shared/config/index.js';
import {
  DateTimeScalar,
  loadTypeDefs,
  notImplementedResolvers,
} from '../../shared/graphql/index.js';
import {
  startSubgraphServer,
  type RunningServer,
  type SubgraphDependencies,
} from '../../shared/http/index.js';

export const name = 'media';
export const typeDefs = loadTypeDefs(new URL('./schema.graphql', import.meta.url));

/** The schema is the real one; the operations refuse with NOT_IMPLEMENTED until their issue lands. */
export function createResolvers() {
  return {
    DateTime: DateTimeScalar,
    User: {
      __resolveReference: (reference: { id: string }) => ({ id: reference.id }),
      avatar: () => null,
    },
    Media: { __resolveReference: () => null },
    Mutation: notImplementedResolvers(['uploadMedia', 'setAvatar', 'deleteMedia']),
  };
}

export async function createSubgraph(
  config: GuardynConfig,
  deps: SubgraphDependencies,
): Promise<RunningServer> {
  return startSubgraphServer({
    name,
    schema: buildSubgraphSchema([{ typeDefs, resolvers: createResolvers() }]),
    host: config.host,
    port: deps.port,
    logger: deps.logger,
    verifier: deps.verifier,
  });
}
