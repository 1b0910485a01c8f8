import {
  SpanKind,
  SpanStatusCode,
  context,
  trace,
  type Attributes,
  type Span,
} from '@opentelemetry/api';
import { statementName } from './statement-name.js';
import { tracer, withinTrace } from './tracer.js';

/** `db.system` as OpenTelemetry spells it: ScyllaDB speaks CQL, as Cassandra does. */
export type DbSystem = 'sqlite' | 'cassandra';

function startStoreSpan(
  system: DbSystem,
  namespace: string,
  query: string,
  extra: Attributes | undefined,
): Span {
  const { operation, table, summary } = statementName(query);
  return tracer().startSpan(summary, {
    kind: SpanKind.CLIENT,
    attributes: {
      ...extra,
      'db.system': system,
      'db.system.name': system,
      'db.namespace': namespace,
      'db.operation.name': operation,
      'db.query.summary': summary,
      ...(table ? { 'db.collection.name': table } : {}),
    },
  });
}

function fail(span: Span, error: unknown): never {
  span.setStatus({ code: SpanStatusCode.ERROR });
  span.setAttribute('error.type', error instanceof Error ? error.name : 'unknown');
  span.end();
  throw error;
}

/** Runs one synchronous statement (better-sqlite3) inside a span named after it. */
export function traceStatementSync<T>(
  system: DbSystem,
  namespace: string,
  query: string,
  run: () => T,
): T {
  if (!withinTrace()) return run();
  const span = startStoreSpan(system, namespace, query, undefined);
  let result: T;
  try {
    result = context.with(trace.setSpan(context.active(), span), run);
  } catch (error) {
    fail(span, error);
  }
  span.end();
  return result;
}

/** Runs one asynchronous statement (the CQL driver) inside a span named after it. */
export async function traceStatement<T>(
  system: DbSystem,
  namespace: string,
  query: string,
  run: () => Promise<T>,
  extra?: Attributes,
): Promise<T> {
  if (!withinTrace()) return run();
  const span = startStoreSpan(system, namespace, query, extra);
  let result: T;
  try {
    result = await context.with(trace.setSpan(context.active(), span), run);
  } catch (error) {
    fail(span, error);
  }
  span.end();
  return result;
}
