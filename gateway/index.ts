export { startGateway, type GatewayOptions, type RunningGateway } from './gateway.js';
export { CloseCode } from './subscriptions/close-codes.js';
export { defaultSubscriptionLimits, type SubscriptionLimits } from './subscriptions/limits.js';
export type { SubgraphEndpoint } from './subgraph-health.js';
export {
  checkOperationLimits,
  defaultOperationLimits,
  type OperationLimits,
} from './operation-limits.js';
