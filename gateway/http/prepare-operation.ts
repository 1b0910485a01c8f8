import type { GraphQLSchema } from 'graphql';
import {
  prepareDocument,
  type DocumentCache,
  type PlainRequest,
  type PreparedOperation,
} from '../../shared/http/index.js';
import { isIntrospectionOnly } from '../introspection-plugin.js';
import { checkOperationLimits, type OperationLimits } from '../operation-limits.js';

export interface PrepareDeps {
  /** The API schema, once the supergraph is loaded. */
  readonly schema: () => GraphQLSchema | undefined;
  readonly documents: DocumentCache;
  readonly limits: OperationLimits;
}

/**
 * What Apollo Server's pipeline and the gateway's plugins check before execution: the checks
 * every service makes (`prepareDocument`), then that the operation is not introspection only
 * (answered locally by Apollo's plugin) and is within the operation limits. Null when any fails:
 * the caller then hands the request to Apollo Server, which refuses it as it always has.
 */
export function prepareOperation(
  deps: PrepareDeps,
  { query, operationName, variables }: PlainRequest,
): PreparedOperation | null {
  const schema = deps.schema();
  if (!schema) return null;
  const prepared = prepareDocument(schema, deps.documents, query, operationName, variables);
  if (!prepared) return null;
  const { valid, selected } = prepared;
  const { operation } = selected;
  if (isIntrospectionOnly(operation)) return null;
  const name = operation.name?.value ?? null;
  let withinLimits = selected.withinLimits;
  if (withinLimits === undefined) {
    withinLimits =
      checkOperationLimits(valid.document, name, deps.limits, { schema, variables }) === null;
    // Without variables the verdict depends on the text alone.
    if (!operation.variableDefinitions?.length) selected.withinLimits = withinLimits;
  }
  return withinLimits ? { valid, operation, name } : null;
}
