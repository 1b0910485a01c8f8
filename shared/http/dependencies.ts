import type { TokenVerifier } from '../auth/index.js';
import type { EventBus } from '../bus/index.js';
import type { GuardynConfig, SubgraphName } from '../config/index.js';
import type { Logger } from '../logging/index.js';

/** What the composition root hands every subgraph's `createSubgraph`. */
export interface SubgraphDependencies {
  readonly logger: Logger;
  readonly bus: EventBus;
  /** Verifies access tokens with the auth subgraph's public keys. */
  readonly verifier: TokenVerifier;
  /** Port to listen on (0 picks a free one). */
  readonly port: number;
  /**
   * Another subgraph's GraphQL URL, for entity lookups on a caller's behalf. A function: in
   * embedded mode the URLs are known only once every subgraph listens.
   */
  readonly subgraphUrl: (name: SubgraphName) => string;
}

/**
 * The server options every subgraph takes from its process's configuration and dependencies
 * (address, port, logger, bus, trusted proxies, introspection): spread them into
 * `startSubgraphServer`'s options beside the subgraph's own.
 */
export function subgraphServerBasics(
  config: GuardynConfig,
  deps: Pick<SubgraphDependencies, 'port' | 'logger' | 'bus'>,
) {
  return {
    host: config.host,
    port: deps.port,
    logger: deps.logger,
    bus: deps.bus,
    trustedProxies: config.http.trustedProxies,
    introspection: config.gateway.introspection,
  };
}
