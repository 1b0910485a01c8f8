export {
  loadConfig,
  ConfigError,
  type ApnsConfig,
  type GuardynConfig,
  type MediaConfig,
  type NotificationConfig,
  type OperationLimitsConfig,
  type OtlpProtocol,
  type ScyllaReplication,
} from './config.js';
export { configuredStore, type StoreAdapters } from './store-choice.js';
export {
  subgraphNames,
  serviceNames,
  defaultPorts,
  isSubgraphName,
  type SubgraphName,
  type ServiceName,
} from './services.js';
