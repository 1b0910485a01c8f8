import {
  Kind,
  type DocumentNode,
  type FieldNode,
  type FragmentDefinitionNode,
  type GraphQLSchema,
  type OperationDefinitionNode,
  type SelectionSetNode,
} from 'graphql';
import { getArgumentValues } from 'graphql/execution/values.js';
import type { ClientDocumentParts } from '../execution/delegated-query.js';

/** The one root field of a subscription operation, and what its selection needs to be re-run. */
export interface SubscriptionField extends ClientDocumentParts {
  /** The key in the payload (the alias, if the client gave one). */
  readonly responseKey: string;
  readonly fieldName: string;
  readonly args: Record<string, unknown>;
  readonly selectionSet: SelectionSetNode;
  readonly variables: Record<string, unknown>;
}

/** Finds the subscription's root field (validation has made sure there is exactly one). */
export function readSubscriptionField(
  schema: GraphQLSchema,
  document: DocumentNode,
  operationName: string | null | undefined,
  variables: Record<string, unknown>,
): SubscriptionField {
  const operations = document.definitions.filter(
    (definition): definition is OperationDefinitionNode =>
      definition.kind === Kind.OPERATION_DEFINITION,
  );
  const operation = operationName
    ? operations.find((op) => op.name?.value === operationName)
    : operations[0];
  if (!operation || operation.operation !== 'subscription')
    throw new Error('not a subscription operation');
  const fragments = document.definitions.filter(
    (definition): definition is FragmentDefinitionNode =>
      definition.kind === Kind.FRAGMENT_DEFINITION,
  );
  const [field] = selectedFields(operation.selectionSet, fragments);
  if (!field) throw new Error('a subscription selects one field');
  const fieldDefinition = schema.getSubscriptionType()?.getFields()[field.name.value];
  if (!fieldDefinition || !field.selectionSet)
    throw new Error(`unknown subscription field ${field.name.value}`);
  return {
    responseKey: field.alias?.value ?? field.name.value,
    fieldName: field.name.value,
    args: getArgumentValues(fieldDefinition, field, variables),
    selectionSet: field.selectionSet,
    fragments,
    variableDefinitions: operation.variableDefinitions ?? [],
    variables,
  };
}

/**
 * The fields of a selection set in document order, inline fragments and fragment spreads
 * flattened (for a selection on one object type, where every type condition holds).
 */
export function selectedFields(
  selectionSet: SelectionSetNode,
  fragments: readonly FragmentDefinitionNode[],
): FieldNode[] {
  return selectionSet.selections.flatMap((selection): FieldNode[] => {
    if (selection.kind === Kind.FIELD) return [selection];
    const inner =
      selection.kind === Kind.INLINE_FRAGMENT
        ? selection.selectionSet
        : fragments.find((fragment) => fragment.name.value === selection.name.value)?.selectionSet;
    return inner ? selectedFields(inner, fragments) : [];
  });
}
