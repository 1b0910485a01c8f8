import type { GraphQLSchema, OperationDefinitionNode } from 'graphql';
import { maxVariablesNesting, nestedDeeperThan } from '../../shared/http/index.js';
import { isIntrospectionOnly } from '../introspection-plugin.js';
import { checkOperationLimits, type OperationLimits } from '../operation-limits.js';
import { operationOf, type DocumentCache, type ValidDocument } from './document-cache.js';

export interface PrepareDeps {
  /** The API schema, once the supergraph is loaded. */
  readonly schema: () => GraphQLSchema | undefined;
  readonly documents: DocumentCache;
  readonly limits: OperationLimits;
}

/** An operation ready for the gateway's executor: every check before execution passed. */
export interface PreparedOperation {
  readonly valid: ValidDocument;
  readonly operation: OperationDefinitionNode;
  /** The operation's own name (what metrics and spans are labelled with). */
  readonly name: string | null;
}

/**
 * What Apollo Server's pipeline and the gateway's plugins check before execution, with the
 * document cache: the query parses and validates, names an operation of the document, is not
 * introspection only (answered locally by Apollo's plugin), has variables nested no deeper than
 * allowed, and is within the operation limits. Null when any fails: the caller then hands the
 * request to Apollo Server, which refuses it with the answer it has always given.
 */
export function prepareOperation(
  deps: PrepareDeps,
  query: string,
  operationName: string | undefined,
  variables: Record<string, unknown>,
): PreparedOperation | null {
  const schema = deps.schema();
  if (!schema) return null;
  const valid = deps.documents.get(schema, query);
  if (!valid) return null;
  const resolved = operationOf(valid, operationName);
  if (!resolved) return null;
  const { operation } = resolved;
  if (isIntrospectionOnly(operation)) return null;
  if (nestedDeeperThan(variables, maxVariablesNesting)) return null;
  const name = operation.name?.value ?? null;
  let withinLimits = resolved.withinLimits;
  if (withinLimits === undefined) {
    withinLimits =
      checkOperationLimits(valid.document, name, deps.limits, { schema, variables }) === null;
    // Without variables the verdict depends on the text alone.
    if (!operation.variableDefinitions?.length) resolved.withinLimits = withinLimits;
  }
  return withinLimits ? { valid, operation, name } : null;
}
