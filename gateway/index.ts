export { startGateway, type GatewayOptions } from './gateway.js';
export type { SubgraphEndpoint } from './subgraph-health.js';
