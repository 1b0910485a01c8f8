import type { ApolloServerPlugin } from '@apollo/server';
import {
  ROOT_CONTEXT,
  SpanKind,
  SpanStatusCode,
  context,
  createContextKey,
  propagation,
  trace,
  type Context,
  type Span,
} from '@opentelemetry/api';
import type { RequestHandler } from 'express';
import { tracer, tracingActive, withinTrace } from './tracer.js';

/** Marks the span that `graphqlSpanPlugin` names after the operation (never someone else's). */
const operationSpanKey = createContextKey('guardyn.graphql.operation');

function operationSpan(service: string, kind: SpanKind, parent: Context): Context {
  const span = tracer().startSpan(
    'graphql',
    { kind, attributes: { 'guardyn.service': service } },
    parent,
  );
  return trace.setSpan(parent, span).setValue(operationSpanKey, span);
}

/**
 * One SERVER span per GraphQL HTTP request, child of the caller's W3C `traceparent`, active while
 * Apollo runs it. Mount it right before Apollo's middleware: body parsing runs in stream
 * callbacks, which would lose the context. `continueOnly` (the subgraphs, called by the gateway
 * and each other) traces only requests that arrive within a trace; the gateway starts them.
 */
export function traceGraphqlRequests(
  service: string,
  options: { readonly continueOnly?: boolean } = {},
): RequestHandler {
  return (request, response, next) => {
    if (!tracingActive()) {
      next();
      return;
    }
    const parent = propagation.extract(ROOT_CONTEXT, request.headers);
    if (options.continueOnly && trace.getSpanContext(parent) === undefined) {
      next();
      return;
    }
    const active = operationSpan(service, SpanKind.SERVER, parent);
    const span = trace.getSpan(active);
    response.once('close', () => {
      span?.setAttribute('http.response.status_code', response.statusCode);
      if (response.statusCode >= 500) span?.setStatus({ code: SpanStatusCode.ERROR });
      span?.end();
    });
    context.with(active, next);
  };
}

/**
 * The same span for an operation run in process (the subscription bridge), within the trace
 * that caused it (a bus event); nothing for background work (a mailbox poll). Multipart uploads
 * are not traced: their bridge runs before the request span starts.
 */
export async function withOperationSpan<T>(service: string, run: () => Promise<T>): Promise<T> {
  if (!withinTrace()) return run();
  const active = operationSpan(service, SpanKind.INTERNAL, context.active());
  try {
    return await context.with(active, run);
  } finally {
    trace.getSpan(active)?.end();
  }
}

/**
 * Names the operation's span `<type> <name>` and records the type and name: never the document,
 * the variables or any result.
 */
export function graphqlSpanPlugin(): ApolloServerPlugin {
  return {
    async requestDidStart() {
      const span = context.active().getValue(operationSpanKey) as Span | undefined;
      if (!span) return undefined;
      return {
        async didResolveOperation({ operation, operationName }) {
          if (!operation) return;
          const type = operation.operation;
          span.updateName(operationName ? `${type} ${operationName}` : type);
          span.setAttribute('graphql.operation.type', type);
          if (operationName) span.setAttribute('graphql.operation.name', operationName);
        },
        async didEncounterErrors({ errors }) {
          const codes = [
            ...new Set(errors.map((error) => String(error.extensions['code'] ?? 'UNKNOWN'))),
          ];
          span.setStatus({ code: SpanStatusCode.ERROR });
          span.setAttribute('guardyn.error.codes', codes);
        },
      };
    },
  };
}
