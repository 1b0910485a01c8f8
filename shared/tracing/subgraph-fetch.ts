import { SpanKind, SpanStatusCode, context, propagation, trace } from '@opentelemetry/api';
import { tracer, withinTrace } from './tracer.js';

/** What the wrapped call needs of a request: headers we can add `traceparent` to. */
interface OutgoingRequest {
  readonly method?: string;
  readonly headers?: Record<string, string>;
}

/**
 * One CLIENT span per call to a subgraph (`fetch <subgraph>`), whose context goes along as W3C
 * `traceparent`, so the subgraph's spans join the caller's trace. Records where and the status,
 * never the body.
 */
export async function fetchWithSpan<
  Init extends OutgoingRequest,
  Response extends { status: number },
>(
  subgraph: string,
  url: string,
  init: Init,
  send: (url: string, init: Init) => Promise<Response>,
): Promise<Response> {
  if (!withinTrace()) return send(url, init);
  const target = new URL(url);
  const span = tracer().startSpan(`fetch ${subgraph}`, {
    kind: SpanKind.CLIENT,
    attributes: {
      'guardyn.subgraph': subgraph,
      'http.request.method': init.method ?? 'GET',
      'server.address': target.hostname,
      'url.path': target.pathname,
      ...(target.port ? { 'server.port': Number(target.port) } : {}),
    },
  });
  const active = trace.setSpan(context.active(), span);
  const headers: Record<string, string> = { ...init.headers };
  propagation.inject(active, headers);
  try {
    const response = await context.with(active, () => send(url, { ...init, headers }));
    span.setAttribute('http.response.status_code', response.status);
    if (response.status >= 500) span.setStatus({ code: SpanStatusCode.ERROR });
    return response;
  } catch (error) {
    span.setStatus({ code: SpanStatusCode.ERROR });
    throw error;
  } finally {
    span.end();
  }
}
