import type { ApolloGateway } from '@apollo/gateway';
import type { GraphQLSchema } from 'graphql';
import {
  answerOf,
  answerOfThrown,
  type ErrorFormatter,
  type OperationRequest,
  type OperationResponse,
} from '../../shared/http/index.js';
import type { GatewayContext } from '../context.js';

type GatewayRequestContext = Parameters<ApolloGateway['executor']>[0];

/**
 * Runs a validated operation through @apollo/gateway's executor (which caches query plans by
 * query hash) with only what the executor and the query plan read of a request context, and
 * shapes the answer as Apollo Server does: 400 for a variable that does not coerce (no data),
 * 500 for an executor that throws, else 200.
 */
export function operationExecutor(
  gateway: ApolloGateway,
  schema: () => GraphQLSchema,
  logger: GatewayRequestContext['logger'],
  formatError: ErrorFormatter,
): (request: OperationRequest<GatewayContext>) => Promise<OperationResponse> {
  return async (request) => {
    const context = {
      request: {
        query: request.query,
        variables: request.variables,
        ...(request.operationName !== undefined ? { operationName: request.operationName } : {}),
      },
      logger,
      schema: schema(),
      context: request.context,
      queryHash: request.valid.queryHash,
      document: request.valid.document,
      source: request.query,
      operationName: request.operation.name?.value ?? null,
      operation: request.operation,
      metrics: {},
    } satisfies Partial<GatewayRequestContext>;
    try {
      // The fields it does not read (caches, response, schema hash) are left out.
      return answerOf(await gateway.executor(context as GatewayRequestContext), formatError);
    } catch (thrown) {
      return answerOfThrown(thrown, formatError);
    }
  };
}
