export { loadConfig, ConfigError, type GuardynConfig } from './config.js';
export {
  subgraphNames,
  serviceNames,
  defaultPorts,
  isSubgraphName,
  type SubgraphName,
  type ServiceName,
} from './services.js';
