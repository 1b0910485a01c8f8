import type { RequestHandler } from 'express';
import { Counter, type Registry } from 'prom-client';

/** Fixed route labels: a request path never becomes a label value. */
const routes: readonly [prefix: string, label: string][] = [
  ['/graphql', 'graphql'],
  ['/health', 'health'],
  ['/metrics', 'metrics'],
  ['/media/', 'media'],
  ['/.well-known/jwks.json', 'jwks'],
];
const methods = new Set(['GET', 'HEAD', 'POST', 'OPTIONS']);

export function routeLabel(path: string): string {
  return routes.find(([prefix]) => path === prefix || path.startsWith(prefix))?.[1] ?? 'other';
}

/** Counts one HTTP response (for handlers that answer ahead of Express). */
export type HttpResponseCounter = (route: string, method: string, status: number) => void;

/** Counts HTTP responses by route, method and status code (codes are set by us, not clients). */
export function httpResponseCounter(registry: Registry): HttpResponseCounter {
  const requests = new Counter({
    name: 'guardyn_http_requests_total',
    help: 'HTTP responses by route (fixed set), method and status code',
    labelNames: ['route', 'method', 'status'] as const,
    registers: [registry],
  });
  return (route, method, status) => {
    requests.inc({ route, method: methods.has(method) ? method : 'other', status: String(status) });
  };
}

/** The same count as Express middleware: mount it before every route. */
export function httpMetricsMiddleware(count: HttpResponseCounter): RequestHandler {
  return (request, response, next) => {
    // Read now: routers mounted on a path rewrite request.url while they run.
    const route = routeLabel(request.path);
    response.once('finish', () => count(route, request.method, response.statusCode));
    next();
  };
}
