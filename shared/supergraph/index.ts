export {
  parseSupergraphConfig,
  readSupergraphConfig,
  projectRoot,
  type SubgraphEntry,
} from './config.js';
export {
  composeSubgraphSources,
  composeSupergraph,
  type CompositionResult,
  type SubgraphSource,
} from './compose.js';
export { apiSchemaOf, printApiSchema } from './api-schema.js';
