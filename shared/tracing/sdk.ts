import { context, propagation, trace } from '@opentelemetry/api';
import type { OtlpProtocol } from '../config/index.js';
import { markTracingActive, tracingActive } from './tracer.js';

export interface TracingOptions {
  /** GUARDYN_OBSERVABILITY__OTLP_ENDPOINT, e.g. `http://otel-collector:4318`. */
  readonly endpoint: string;
  readonly protocol: OtlpProtocol;
  /** `guardyn` in embedded mode, else `guardyn-<service>`. */
  readonly serviceName: string;
}

/** A started SDK; `stop` flushes the spans still buffered and unregisters it. */
export interface Tracing {
  stop(): Promise<void>;
}

/** `guardyn` for the embedded process, which runs everything; else `guardyn-<service>`. */
export function traceServiceName(service: string): string {
  return service === 'embedded' ? 'guardyn' : `guardyn-${service}`;
}

/** `http/protobuf` posts to the endpoint's `/v1/traces`; gRPC takes the endpoint as it is. */
export function traceExportUrl(endpoint: string, protocol: OtlpProtocol): string {
  return protocol === 'grpc' ? endpoint : `${endpoint.replace(/\/+$/, '')}/v1/traces`;
}

/**
 * Starts `@opentelemetry/sdk-node` with an OTLP trace exporter, the AsyncLocalStorage context
 * manager and W3C trace context propagation. No auto-instrumentation: our spans are explicit
 * (see docs/operations.md). Metrics stay on Prometheus and logs on stdout, so the SDK's own metric
 * and log exporters, which it would otherwise enable by default, are turned off. The SDK and the
 * exporter are imported here, on demand: a process without an endpoint never loads them.
 */
export async function startTracing(options: TracingOptions): Promise<Tracing> {
  if (tracingActive()) throw new Error('tracing is already started in this process');
  const url = traceExportUrl(options.endpoint, options.protocol);
  const { NodeSDK } = await import('@opentelemetry/sdk-node');
  const traceExporter =
    options.protocol === 'grpc'
      ? new (await import('@opentelemetry/exporter-trace-otlp-grpc')).OTLPTraceExporter({ url })
      : new (await import('@opentelemetry/exporter-trace-otlp-proto')).OTLPTraceExporter({ url });
  const sdk = new NodeSDK({
    serviceName: options.serviceName,
    traceExporter,
    instrumentations: [],
    metricReaders: [],
    logRecordProcessors: [],
  });
  sdk.start();
  markTracingActive(true);
  let stopping: Promise<void> | undefined;
  return {
    stop() {
      stopping ??= (async () => {
        markTracingActive(false);
        try {
          await sdk.shutdown();
        } finally {
          // Unregistered, a later start in the same process (tests) may register again.
          trace.disable();
          context.disable();
          propagation.disable();
        }
      })();
      return stopping;
    },
  };
}
