import {
  Kind,
  print,
  visit,
  type FieldNode,
  type FragmentDefinitionNode,
  type SelectionSetNode,
  type VariableDefinitionNode,
} from 'graphql';

/**
 * What a delegated query keeps of the client's document: its fragments and its variable
 * definitions (a subscription's `SubscriptionField`, an upload's operation).
 */
export interface ClientDocumentParts {
  readonly fragments: readonly FragmentDefinitionNode[];
  readonly variableDefinitions: readonly VariableDefinitionNode[];
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
  client: ClientDocumentParts,
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
        const fragment = client.fragments.find(
          (candidate) => candidate.name.value === spread.name.value,
        );
        if (fragment) collect(fragment.selectionSet);
      },
    });
  collect(selectionSet);
  const clientVariables = client.variableDefinitions
    .filter((definition) => used.has(definition.variable.name.value))
    .map((definition) => print(definition));
  const ownVariables = Object.entries(argumentTypes).map(
    ([arg, type]) => `$${bridgeVariable(arg)}: ${type}`,
  );
  const definitions = [...clientVariables, ...ownVariables];
  const header = definitions.length > 0 ? `(${definitions.join(', ')})` : '';
  const fragments = client.fragments
    .filter((fragment) => fragmentNames.has(fragment.name.value))
    .map(print);
  return [`query GuardynSubscriptionBridge${header} ${print(selectionSet)}`, ...fragments].join(
    '\n',
  );
}
