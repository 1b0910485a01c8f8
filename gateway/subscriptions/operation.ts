import {
  getNamedType,
  GraphQLObjectType,
  Kind,
  print,
  TypeInfo,
  visit,
  visitWithTypeInfo,
  type DocumentNode,
  type FieldNode,
  type FragmentDefinitionNode,
  type GraphQLSchema,
  type OperationDefinitionNode,
  type SelectionSetNode,
  type VariableDefinitionNode,
} from 'graphql';
import { getArgumentValues } from 'graphql/execution/values.js';

/** The one root field of a subscription operation, and what its selection needs to be re-run. */
export interface SubscriptionField {
  /** The key in the payload (the alias, if the client gave one). */
  readonly responseKey: string;
  readonly fieldName: string;
  readonly args: Record<string, unknown>;
  readonly selectionSet: SelectionSetNode;
  readonly fragments: readonly FragmentDefinitionNode[];
  readonly variableDefinitions: readonly VariableDefinitionNode[];
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
  const field = findRootField(operation.selectionSet, fragments);
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

function findRootField(
  selectionSet: SelectionSetNode,
  fragments: readonly FragmentDefinitionNode[],
): FieldNode {
  for (const selection of selectionSet.selections) {
    if (selection.kind === Kind.FIELD) return selection;
    const inner =
      selection.kind === Kind.INLINE_FRAGMENT
        ? selection.selectionSet
        : fragments.find((fragment) => fragment.name.value === selection.name.value)?.selectionSet;
    if (inner) return findRootField(inner, fragments);
  }
  throw new Error('a subscription selects one field');
}

/** The variable a delegated query uses for a root argument (apart from the client's own). */
export const bridgeVariable = (argument: string) => `guardyn_${argument}`;

const name = (value: string) => ({ kind: Kind.NAME, value }) as const;

/** A root field `root(<arg>: $guardyn_<arg>, ...)` with the given selection. */
export function rootField(
  root: string,
  args: readonly string[],
  selectionSet: SelectionSetNode,
  alias = 'guardynRoot',
): FieldNode {
  return {
    kind: Kind.FIELD,
    alias: name(alias),
    name: name(root),
    arguments: args.map((arg) => ({
      kind: Kind.ARGUMENT,
      name: name(arg),
      value: { kind: Kind.VARIABLE, name: name(bridgeVariable(arg)) },
    })),
    selectionSet,
  };
}

/**
 * A query whose operation selects `selections` (root fields made with `rootField`), keeping the
 * client's fragments and the client variables they use, and declaring the bridge's own
 * variables (`argumentTypes`: argument name to GraphQL type).
 */
export function delegatedQuery(
  field: Pick<SubscriptionField, 'fragments' | 'variableDefinitions'>,
  selections: readonly FieldNode[],
  argumentTypes: Record<string, string>,
): string {
  const selectionSet: SelectionSetNode = { kind: Kind.SELECTION_SET, selections };
  const used = new Set<string>();
  const fragmentNames = new Set<string>();
  const collect = (node: SelectionSetNode) =>
    visit(node, {
      Variable: (variable) => void used.add(variable.name.value),
      FragmentSpread: (spread) => {
        if (fragmentNames.has(spread.name.value)) return;
        fragmentNames.add(spread.name.value);
        const fragment = field.fragments.find(
          (candidate) => candidate.name.value === spread.name.value,
        );
        if (fragment) collect(fragment.selectionSet);
      },
    });
  collect(selectionSet);
  const clientVariables = field.variableDefinitions
    .filter((definition) => used.has(definition.variable.name.value))
    .map((definition) => print(definition));
  const ownVariables = Object.entries(argumentTypes).map(
    ([arg, type]) => `$${bridgeVariable(arg)}: ${type}`,
  );
  const definitions = [...clientVariables, ...ownVariables];
  const header = definitions.length > 0 ? `(${definitions.join(', ')})` : '';
  const fragments = field.fragments
    .filter((fragment) => fragmentNames.has(fragment.name.value))
    .map(print);
  return [`query GuardynSubscriptionBridge${header} ${print(selectionSet)}`, ...fragments].join(
    '\n',
  );
}

/**
 * Fields whose value is the same whoever asks (given the topic's own authorization). Not
 * `User.presence`: it is null for a viewer who may not see it.
 */
const viewerIndependentFields: Readonly<Record<string, readonly string[]>> = {
  User: ['id', 'username', 'createdAt'],
  TypingEvent: ['conversationId', 'typing', 'user'],
};

/**
 * True when every field in the selection is viewer-independent, so one execution may serve all
 * subscribers of an event. Anything else (device names, avatars, unknown fields) is resolved per
 * subscriber: a result is never shared across principals where it could differ.
 */
export function isViewerIndependent(
  schema: GraphQLSchema,
  parentType: GraphQLObjectType,
  field: Pick<SubscriptionField, 'fragments'>,
  selectionSet: SelectionSetNode,
): boolean {
  const typeInfo = new TypeInfo(schema, parentType);
  let independent = true;
  const check = (node: SelectionSetNode) =>
    visit(
      node,
      visitWithTypeInfo(typeInfo, {
        Field(fieldNode) {
          const parent = typeInfo.getParentType();
          const name = fieldNode.name.value;
          if (name === '__typename') return;
          const allowed = parent ? viewerIndependentFields[getNamedType(parent).name] : undefined;
          if (!allowed?.includes(name)) independent = false;
        },
        FragmentSpread() {
          // Fragments are checked where they are defined, below.
        },
      }),
    );
  check(selectionSet);
  for (const fragment of field.fragments) {
    const type = schema.getType(fragment.typeCondition.name.value);
    if (type instanceof GraphQLObjectType) {
      if (!isViewerIndependent(schema, type, { fragments: [] }, fragment.selectionSet))
        independent = false;
    }
  }
  return independent;
}
