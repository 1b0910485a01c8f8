export {
  startSubgraphServer,
  type RequestContext,
  type RunningServer,
  type SubgraphServerOptions,
} from './subgraph-server.js';
export { listen, closeServer, type ListeningServer } from './listen.js';
export {
  buildHealthReport,
  busCheck,
  servingCheck,
  type HealthCheck,
  type HealthEntry,
  type HealthReport,
} from './health.js';
export { refuseUntilServing } from './starting-guard.js';
export { subgraphServerBasics, type SubgraphDependencies } from './dependencies.js';
export {
  clientAddressResolver,
  peerAddressResolver,
  resolveClientAddress,
} from './client-address.js';
export { TrustedProxies, loopbackRanges, normalizeAddress, parseCidr } from './trusted-proxies.js';
export { classifyHttpError, graphqlErrorHandler } from './error-handler.js';
export {
  maxVariablesNesting,
  nestedDeeperThan,
  variablesNestingPlugin,
} from './variables-nesting.js';
export {
  cors,
  defaultPreflightMaxAgeSeconds,
  webSocketOriginAllowed,
  type CorsPolicy,
} from './cors.js';
export { parseOrigin, parseOrigins } from './cors-origins.js';
export { postJson, type JsonPostOptions, type JsonPostResponse } from './post-json.js';
export * from './lean/index.js';
