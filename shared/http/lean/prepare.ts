import type { GraphQLSchema, OperationDefinitionNode } from 'graphql';
import { maxVariablesNesting, nestedDeeperThan } from '../variables-nesting.js';
import {
  operationOf,
  type DocumentCache,
  type DocumentOperation,
  type ValidDocument,
} from './document-cache.js';

/** An operation ready to execute: every check before execution passed. */
export interface PreparedOperation {
  readonly valid: ValidDocument;
  readonly operation: OperationDefinitionNode;
  /** The operation's own name (what metrics and spans are labelled with). */
  readonly name: string | null;
}

/** A document operation that passed the checks every service makes (see `prepareDocument`). */
export interface PreparedDocument {
  readonly valid: ValidDocument;
  /** The selected operation, with the memo of its verdicts (see DocumentCache). */
  readonly selected: DocumentOperation;
}

/**
 * The checks Apollo Server's pipeline makes before execution in every service, with the
 * document cache: the query parses and validates, names an operation of the document, and has
 * variables nested no deeper than allowed (`variablesNestingPlugin`). Null when any fails: the
 * caller then hands the request to Apollo Server, which refuses it as it always has.
 */
export function prepareDocument(
  schema: GraphQLSchema,
  documents: DocumentCache,
  query: string,
  operationName: string | undefined,
  variables: Record<string, unknown>,
): PreparedDocument | null {
  const valid = documents.get(schema, query);
  if (!valid) return null;
  const selected = operationOf(valid, operationName);
  if (!selected) return null;
  if (nestedDeeperThan(variables, maxVariablesNesting)) return null;
  return { valid, selected };
}
