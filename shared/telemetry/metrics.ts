import type { ApolloServerPlugin } from '@apollo/server';
import type { RequestHandler } from 'express';
import { Registry } from 'prom-client';
import { graphqlOperationMetrics, type GraphqlOperationMetrics } from './graphql-metrics.js';
import {
  httpMetricsMiddleware,
  httpResponseCounter,
  type HttpResponseCounter,
} from './http-metrics.js';
import { loadKnownOperationNames } from './operation-names.js';
import { claimProcessMetrics, ownsProcessMetrics, processRegistry } from './process-metrics.js';

/** What `/metrics` serves: this service's metrics, plus the process's when it holds them. */
export interface MetricsExposition {
  readonly contentType: string;
  metrics(): Promise<string>;
}

/** The metrics of one service (embedded mode runs six in one process). */
export interface ServiceMetrics {
  /** The service's own metrics (HTTP, GraphQL, subscriptions), labelled `service`. */
  readonly own: Registry;
  /** Serve this on `/metrics`. */
  readonly registry: MetricsExposition;
  /** Counts and times GraphQL operations by type, known name and outcome. */
  readonly graphqlPlugin: ApolloServerPlugin;
  /** The same count, for operations that do not go through Apollo (graphql-ws subscriptions). */
  readonly operations: GraphqlOperationMetrics;
  /** Counts HTTP responses by route, method and status; mount before every route. */
  readonly httpMiddleware: RequestHandler;
  /** The same count, for responses answered ahead of Express (the gateway's lean path). */
  readonly countHttpResponse: HttpResponseCounter;
}

export interface ServiceMetricsOptions {
  /** Operation names that may appear as labels. @default the names in schema/operations/ */
  readonly knownOperations?: ReadonlySet<string>;
}

let defaultKnownOperations: ReadonlySet<string> | undefined;

export function createServiceMetrics(
  service: string,
  options: ServiceMetricsOptions = {},
): ServiceMetrics {
  const own = new Registry();
  own.setDefaultLabels({ service });
  const knownOperations =
    options.knownOperations ?? (defaultKnownOperations ??= loadKnownOperationNames());
  const handle = {};
  claimProcessMetrics(handle);
  const operations = graphqlOperationMetrics(own, knownOperations);
  const countHttpResponse = httpResponseCounter(own);
  return {
    own,
    registry: {
      contentType: own.contentType,
      async metrics() {
        const text = await own.metrics();
        return ownsProcessMetrics(handle) ? `${text}\n${await processRegistry.metrics()}` : text;
      },
    },
    graphqlPlugin: operations.plugin,
    operations,
    httpMiddleware: httpMetricsMiddleware(countHttpResponse),
    countHttpResponse,
  };
}
