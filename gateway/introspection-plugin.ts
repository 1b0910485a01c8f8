import { HeaderMap, type ApolloServerPlugin } from '@apollo/server';
import { execute, Kind, type OperationDefinitionNode } from 'graphql';

/** Root meta-fields that need no subgraph. */
const metaFields = new Set(['__schema', '__type', '__typename']);

function isIntrospectionOnly(operation: OperationDefinitionNode): boolean {
  return operation.selectionSet.selections.every(
    (selection) => selection.kind === Kind.FIELD && metaFields.has(selection.name.value),
  );
}

/**
 * Answers operations made only of `__schema`, `__type` and `__typename` with graphql-js from the
 * API schema, instead of through the query planner: @apollo/gateway 2.14's planner rejects
 * fields graphql 16 introspection knows (`__Type.isOneOf`, which `getIntrospectionQuery({ oneOf:
 * true })` asks for) as an internal error. Validation, limits and the introspection setting have
 * already run when this hook is reached.
 */
export function localIntrospectionPlugin(): ApolloServerPlugin {
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
          return {
            http: { status: undefined, headers: new HeaderMap() },
            body: {
              kind: 'single',
              singleResult: {
                ...(result.data !== undefined ? { data: result.data } : {}),
                ...(result.errors ? { errors: result.errors.map((error) => error.toJSON()) } : {}),
              },
            },
          };
        },
      };
    },
  };
}
