import type { ApolloServer } from '@apollo/server';
import type { GraphQLFormattedError } from 'graphql';
import { withOperationSpan } from '../../shared/tracing/index.js';
import type { GatewayContext } from '../context.js';

/** The caller's credentials (a subscriber's, an uploader's), forwarded as for an HTTP request. */
export interface Credentials {
  readonly authorization: string;
  readonly clientAddress?: string;
}

export interface OperationResult {
  readonly data?: Record<string, unknown> | null;
  readonly errors?: readonly GraphQLFormattedError[];
}

/**
 * Runs a query through the gateway in process: query planning, subgraph calls, error formatting.
 * The subscription bridge resolves each event's payload with it, the upload bridge each new
 * media's selection.
 */
export type OperationRunner = (
  query: string,
  variables: Record<string, unknown>,
  credentials: Credentials,
) => Promise<OperationResult>;

/** A faster way to run an operation, or null to leave it to Apollo Server (gateway/http). */
export type InProcessRunner = (
  query: string,
  variables: Record<string, unknown>,
  credentials: Credentials,
) => Promise<OperationResult | null>;

export function gatewayOperationRunner(
  apollo: ApolloServer<GatewayContext>,
  lean?: InProcessRunner,
): OperationRunner {
  const throughApollo: OperationRunner = async (query, variables, credentials) => {
    const response = await apollo.executeOperation(
      { query, variables },
      {
        contextValue: {
          authorization: credentials.authorization,
          clientAddress: credentials.clientAddress,
        },
      },
    );
    if (response.body.kind !== 'single')
      throw new Error('incremental delivery is not used by the bridge');
    const { data, errors } = response.body.singleResult;
    return { data: data ?? null, ...(errors ? { errors } : {}) };
  };
  return (query, variables, credentials) =>
    // A span of its own, child of what triggered it (a bus event, an upload), named by the plugin.
    withOperationSpan('gateway', async () => {
      const result = await lean?.(query, variables, credentials);
      return result ?? throughApollo(query, variables, credentials);
    });
}
