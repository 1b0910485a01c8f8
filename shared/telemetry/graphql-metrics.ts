import type { ApolloServerPlugin } from '@apollo/server';
import { Counter, Histogram, type Registry } from 'prom-client';
import { operationLabel } from './operation-names.js';

/** `query`, `mutation`, `subscription`, or `unknown` for a request that did not parse or validate. */
export type OperationTypeLabel = 'query' | 'mutation' | 'subscription' | 'unknown';

/** GraphQL operations by type, known name and outcome, over HTTP and graphql-ws alike. */
export interface GraphqlOperationMetrics {
  /** Counts one operation (graphql-ws subscriptions; HTTP goes through `plugin`). */
  count(type: OperationTypeLabel, name: string | null | undefined, outcome: 'ok' | 'error'): void;
  /** Starts timing one HTTP operation; the returned call records its duration and counts it. */
  time(): OperationDone;
  readonly plugin: ApolloServerPlugin;
}

/** Ends the timing of one HTTP operation (the gateway's lean path calls it; Apollo's plugin too). */
export type OperationDone = (
  type: OperationTypeLabel,
  name: string | null | undefined,
  outcome: 'ok' | 'error',
) => void;

export function graphqlOperationMetrics(
  registry: Registry,
  knownOperations: ReadonlySet<string>,
): GraphqlOperationMetrics {
  const operations = new Counter({
    name: 'guardyn_graphql_operations_total',
    help: 'GraphQL operations by type, name (known operations only, else other) and outcome',
    labelNames: ['type', 'operation', 'outcome'] as const,
    registers: [registry],
  });
  const duration = new Histogram({
    name: 'guardyn_graphql_operation_seconds',
    help: 'GraphQL operation duration over HTTP by type and name (known operations only, else other)',
    labelNames: ['type', 'operation'] as const,
    buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
    registers: [registry],
  });
  const count: GraphqlOperationMetrics['count'] = (type, name, outcome) => {
    operations.inc({ type, operation: operationLabel(name, knownOperations), outcome });
  };
  const time = (): OperationDone => {
    const stopTimer = duration.startTimer();
    return (type, name, outcome) => {
      stopTimer({ type, operation: operationLabel(name, knownOperations) });
      count(type, name, outcome);
    };
  };
  const plugin: ApolloServerPlugin = {
    async requestDidStart() {
      const done = time();
      return {
        async willSendResponse({ operationName, operation, errors }) {
          done(
            operation?.operation ?? 'unknown',
            operationName,
            errors && errors.length > 0 ? 'error' : 'ok',
          );
        },
      };
    },
  };
  return { count, time, plugin };
}
