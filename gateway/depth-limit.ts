import { GraphQLError, Kind, type ASTVisitor, type ValidationContext } from 'graphql';

/**
 * Refuses operations nested deeper than `maxDepth` fields (fragments followed), before any
 * subgraph is asked. Cheap protection against queries built to fan out through entity hops.
 */
export function depthLimit(maxDepth: number) {
  return (context: ValidationContext): ASTVisitor => {
    const fragments = new Map(
      context
        .getDocument()
        .definitions.flatMap((definition) =>
          definition.kind === Kind.FRAGMENT_DEFINITION
            ? [[definition.name.value, definition] as const]
            : [],
        ),
    );
    type Node = { readonly selectionSet?: { readonly selections: readonly unknown[] } };

    const depthOf = (node: Node, seen: ReadonlySet<string>): number => {
      let deepest = 0;
      for (const selection of (node.selectionSet?.selections ?? []) as ReadonlyArray<
        { kind: Kind; name?: { value: string } } & Node
      >) {
        if (selection.kind === Kind.FIELD) {
          deepest = Math.max(deepest, 1 + depthOf(selection, seen));
        } else if (selection.kind === Kind.INLINE_FRAGMENT) {
          deepest = Math.max(deepest, depthOf(selection, seen));
        } else if (selection.kind === Kind.FRAGMENT_SPREAD && selection.name) {
          const fragment = fragments.get(selection.name.value);
          if (fragment && !seen.has(selection.name.value)) {
            deepest = Math.max(
              deepest,
              depthOf(fragment, new Set([...seen, selection.name.value])),
            );
          }
        }
      }
      return deepest;
    };

    return {
      OperationDefinition(operation) {
        const depth = depthOf(operation, new Set());
        if (depth > maxDepth) {
          context.reportError(
            new GraphQLError(`Operation is nested ${depth} levels deep; the limit is ${maxDepth}`, {
              nodes: [operation],
              extensions: { code: 'BAD_USER_INPUT' },
            }),
          );
        }
      },
    };
  };
}
