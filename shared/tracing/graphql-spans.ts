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
import type { IncomingHttpHeaders, IncomingMessage, ServerResponse } from 'node:http';
import type { RequestHandler } from 'express';
import { GuardynError } from '../errors/index.js';
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
 * Starts the SERVER span of one GraphQL HTTP request, child of the caller's W3C `traceparent`:
 * the context to run the request in, or undefined when there is nothing to trace (tracing off,
 * or `continueOnly` and no trace to continue).
 */
function startRequestSpan(
  service: string,
  headers: IncomingHttpHeaders,
  options: { readonly continueOnly?: boolean } = {},
): Context | undefined {
  if (!tracingActive()) return undefined;
  const parent = propagation.extract(ROOT_CONTEXT, headers);
  if (options.continueOnly && trace.getSpanContext(parent) === undefined) return undefined;
  return operationSpan(service, SpanKind.SERVER, parent);
}

/** Records the response status on the request's span and ends it. */
function endRequestSpan(active: Context, statusCode: number): void {
  const span = trace.getSpan(active);
  span?.setAttribute('http.response.status_code', statusCode);
  if (statusCode >= 500) span?.setStatus({ code: SpanStatusCode.ERROR });
  span?.end();
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
  return (request, response, next) => withRequestSpan(service, request, response, next, options);
}

/**
 * `withRequestSpan` for a request answered in this process without a socket (see
 * shared/http/lean/in-process.ts): the span ends with the status `handle` resolves to.
 */
export async function withInProcessRequestSpan<T extends { readonly status: number }>(
  service: string,
  headers: IncomingHttpHeaders,
  handle: () => Promise<T>,
  options: { readonly continueOnly?: boolean } = {},
): Promise<T> {
  const active = startRequestSpan(service, headers, options);
  if (!active) return handle();
  let status = 500;
  try {
    const answer = await context.with(active, handle);
    status = answer.status;
    return answer;
  } finally {
    endRequestSpan(active, status);
  }
}

/** Runs `handle` within the request's span (see `startRequestSpan`), ended when answered. */
export function withRequestSpan(
  service: string,
  request: IncomingMessage,
  response: ServerResponse,
  handle: () => void,
  options: { readonly continueOnly?: boolean } = {},
): void {
  const active = startRequestSpan(service, request.headers, options);
  if (!active) {
    handle();
    return;
  }
  response.once('close', () => endRequestSpan(active, response.statusCode));
  context.with(active, handle);
}

/** The operation span in the active context (named by `nameOperationSpan`), if any. */
export function activeOperationSpan(): Span | undefined {
  return context.active().getValue(operationSpanKey) as Span | undefined;
}

/** Names the span `<type> <name>` and records the type and name, never the document. */
export function nameOperationSpan(span: Span, type: string, name: string | null | undefined): void {
  span.updateName(name ? `${type} ${name}` : type);
  span.setAttribute('graphql.operation.type', type);
  if (name) span.setAttribute('graphql.operation.name', name);
}

/** Marks the span failed with the errors' distinct codes (`UNKNOWN` for none). */
export function recordOperationErrors(
  span: Span,
  errors: readonly {
    readonly extensions?: Readonly<Record<string, unknown>>;
    readonly originalError?: Error | null | undefined;
  }[],
): void {
  // Before formatting, a service's refusal carries its code on the error it threw.
  const codeOf = (error: (typeof errors)[number]) =>
    error.extensions?.['code'] ??
    (error.originalError instanceof GuardynError ? error.originalError.code : 'UNKNOWN');
  const codes = [...new Set(errors.map((error) => String(codeOf(error))))];
  span.setStatus({ code: SpanStatusCode.ERROR });
  span.setAttribute('guardyn.error.codes', codes);
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
      const span = activeOperationSpan();
      if (!span) return undefined;
      return {
        async didResolveOperation({ operation, operationName }) {
          if (operation) nameOperationSpan(span, operation.operation, operationName);
        },
        async didEncounterErrors({ errors }) {
          recordOperationErrors(span, errors);
        },
      };
    },
  };
}
