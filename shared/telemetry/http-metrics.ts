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

/** Counts HTTP responses by route, method and status code (codes are set by us, not clients). */
export function httpMetricsMiddleware(registry: Registry): RequestHandler {
  const requests = new Counter({
    name: 'guardyn_http_requests_total',
    help: 'HTTP responses by route (fixed set), method and status code',
    labelNames: ['route', 'method', 'status'] as const,
    registers: [registry],
  });
  return (request, response, next) => {
    // Read now: routers mounted on a path rewrite request.url while they run.
    const route = routeLabel(request.path);
    const method = methods.has(request.method) ? request.method : 'other';
    response.once('finish', () => {
      requests.inc({ route, method, status: String(response.statusCode) });
    });
    next();
  };
}
