export { readSupergraphConfig, projectRoot, type SubgraphEntry } from './config.js';
export { composeSupergraph, type CompositionResult } from './compose.js';
export { apiSchemaOf, printApiSchema } from './api-schema.js';
