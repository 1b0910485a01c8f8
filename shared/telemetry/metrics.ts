import type { ApolloServerPlugin } from '@apollo/server';
import { Counter, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/** A Prometheus registry per service (embedded mode runs six in one process). */
export interface ServiceMetrics {
  readonly registry: Registry;
  /** Counts and times GraphQL operations by name and outcome. */
  readonly graphqlPlugin: ApolloServerPlugin;
}

let processMetricsRegistered = false;

export function createServiceMetrics(service: string): ServiceMetrics {
  const registry = new Registry();
  registry.setDefaultLabels({ service });
  // Process metrics (heap, event loop lag) describe the process, so one registry carries them.
  if (!processMetricsRegistered) {
    collectDefaultMetrics({ register: registry });
    processMetricsRegistered = true;
  }

  const operations = new Counter({
    name: 'guardyn_graphql_operations_total',
    help: 'GraphQL operations by operation name and outcome',
    labelNames: ['operation', 'outcome'] as const,
    registers: [registry],
  });
  const duration = new Histogram({
    name: 'guardyn_graphql_operation_seconds',
    help: 'GraphQL operation duration',
    labelNames: ['operation'] as const,
    buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
    registers: [registry],
  });

  const graphqlPlugin: ApolloServerPlugin = {
    async requestDidStart() {
      const stopTimer = duration.startTimer();
      return {
        async willSendResponse({ operationName, errors }) {
          const operation = operationName ?? 'anonymous';
          stopTimer({ operation });
          operations.inc({ operation, outcome: errors && errors.length > 0 ? 'error' : 'ok' });
        },
      };
    },
  };
  return { registry, graphqlPlugin };
}
