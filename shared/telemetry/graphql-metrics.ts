import type { ApolloServerPlugin } from '@apollo/server';
import { Counter, Histogram, type Registry } from 'prom-client';
import { operationLabel } from './operation-names.js';

/** `query`, `mutation`, `subscription`, or `unknown` for a request that did not parse or validate. */
export type OperationTypeLabel = 'query' | 'mutation' | 'subscription' | 'unknown';

/** Counts and times GraphQL operations by type, known name and outcome. */
export function graphqlMetricsPlugin(
  registry: Registry,
  knownOperations: ReadonlySet<string>,
): ApolloServerPlugin {
  const operations = new Counter({
    name: 'guardyn_graphql_operations_total',
    help: 'GraphQL operations by type, name (known operations only, else other) and outcome',
    labelNames: ['type', 'operation', 'outcome'] as const,
    registers: [registry],
  });
  const duration = new Histogram({
    name: 'guardyn_graphql_operation_seconds',
    help: 'GraphQL operation duration by type and name (known operations only, else other)',
    labelNames: ['type', 'operation'] as const,
    buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
    registers: [registry],
  });
  return {
    async requestDidStart() {
      const stopTimer = duration.startTimer();
      return {
        async willSendResponse({ operationName, operation, errors }) {
          const labels = {
            type: (operation?.operation ?? 'unknown') satisfies OperationTypeLabel,
            operation: operationLabel(operationName, knownOperations),
          };
          stopTimer(labels);
          operations.inc({ ...labels, outcome: errors && errors.length > 0 ? 'error' : 'ok' });
        },
      };
    },
  };
}
