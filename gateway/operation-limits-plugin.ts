import type { ApolloServerPlugin } from '@apollo/server';
import { GraphQLError } from 'graphql';
import { checkOperationLimits, type OperationLimits } from './operation-limits.js';

/**
 * Refuses operations over the limits once Apollo has parsed, validated and resolved them, and
 * before the gateway plans or calls any subgraph. Here rather than in a validation rule because
 * `first: $n` needs the request's variables, which validation never sees.
 */
export function operationLimitsPlugin(limits: OperationLimits): ApolloServerPlugin {
  return {
    async requestDidStart() {
      return {
        async didResolveOperation({ document, operationName, schema, request }) {
          const refusal = checkOperationLimits(document, operationName, limits, {
            schema,
            variables: request.variables ?? {},
          });
          if (!refusal) return;
          // Nothing ran: a request error (HTTP 400), as for a validation failure.
          throw new GraphQLError(refusal.message, {
            nodes: refusal.nodes,
            extensions: { ...refusal.extensions, http: { status: 400 } },
          });
        },
      };
    },
  };
}
