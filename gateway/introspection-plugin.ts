import { HeaderMap, type ApolloServerPlugin } from '@apollo/server';
import {
  execute,
  Kind,
  GraphQLError,
  type GraphQLFormattedError,
  type OperationDefinitionNode,
} from 'graphql';

/** Root meta-fields that need no subgraph. */
const metaFields = new Set(['__schema', '__type', '__typename']);

export function isIntrospectionOnly(operation: OperationDefinitionNode): boolean {
  return operation.selectionSet.selections.every(
    (selection) => selection.kind === Kind.FIELD && metaFields.has(selection.name.value),
  );
}

/**
 * Answers operations made only of `__schema`, `__type` and `__typename` with graphql-js from the
 * API schema, instead of through the query planner: @apollo/gateway 2.14's planner rejects
 * fields graphql 16 introspection knows (`__Type.isOneOf`, which `getIntrospectionQuery({ oneOf:
 * true })` asks for) as an internal error. Validation, limits and the introspection setting have
 * already run when this hook is reached. Apollo does not format what this hook answers, so its
 * errors (e.g. a variable that does not coerce, which graphql-js quotes whole) go through the
 * gateway's own formatter here.
 */
export function localIntrospectionPlugin(
  formatError: (error: GraphQLError) => GraphQLFormattedError,
): ApolloServerPlugin {
  return {
    async requestDidStart() {
      return {
        async responseForOperation({ operation, schema, document, request, contextValue }) {
          if (!isIntrospectionOnly(operation)) return null;
          const result = await execute({
            schema,
            document,
            operationName: request.operationName ?? null,
            variableValues: request.variables ?? {},
            contextValue,
          });
          // No data at all: the request itself was refused (variables that do not coerce).
          const refused = result.data === undefined;
          const errors = result.errors?.map((error) =>
            formatError(
              refused
                ? new GraphQLError(error.message, {
                    nodes: error.nodes ?? null,
                    extensions: { code: 'BAD_USER_INPUT' },
                  })
                : error,
            ),
          );
          return {
            http: { status: refused ? 400 : undefined, headers: new HeaderMap() },
            body: {
              kind: 'single',
              singleResult: {
                ...(result.data !== undefined ? { data: result.data } : {}),
                ...(errors ? { errors } : {}),
              },
            },
          };
        },
      };
    },
  };
}
