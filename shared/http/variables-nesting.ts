import type { ApolloServerPlugin } from '@apollo/server';
import { GraphQLError } from 'graphql';

/**
 * Deepest nesting of arrays and objects in a request's variables. This API's deepest input
 * (`sendMessage(input: { envelopes: [{...}] })`) has 3 levels.
 */
export const maxVariablesNesting = 32;

/** Whether `value` holds arrays or objects more than `max` levels deep. Iterative: no recursion. */
export function nestedDeeperThan(value: unknown, max: number): boolean {
  const pending: { value: unknown; depth: number }[] = [{ value, depth: 0 }];
  for (let next = pending.pop(); next; next = pending.pop()) {
    if (typeof next.value !== 'object' || next.value === null) continue;
    if (next.depth > max) return true;
    const children = Array.isArray(next.value) ? next.value : Object.values(next.value);
    for (const child of children) pending.push({ value: child, depth: next.depth + 1 });
  }
  return false;
}

/**
 * Refuses variables nested deeper than `max` before anything reads them: GraphQL coercion and
 * the gateway's JSON encoding of subgraph requests recurse, and a few thousand levels overflow
 * the stack.
 */
export function variablesNestingPlugin(max = maxVariablesNesting): ApolloServerPlugin {
  return {
    async requestDidStart() {
      return {
        async didResolveOperation({ request }) {
          // Depth 0 is the variables object; each variable's value is at depth 1.
          if (!nestedDeeperThan(request.variables ?? {}, max)) return;
          throw new GraphQLError(`Variables are nested more than ${max} levels deep`, {
            extensions: { code: 'BAD_USER_INPUT', http: { status: 400 } },
          });
        },
      };
    },
  };
}
