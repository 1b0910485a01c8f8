import type { RequestHandler } from 'express';

/** What one route family allows browsers on other origins to do. */
export interface CorsPolicy {
  /** Exact origins (see cors-origins.ts); empty: no CORS headers at all. */
  readonly origins: readonly string[];
  /** Methods a preflight allows (simple methods included, for clarity). */
  readonly methods: readonly string[];
  /** Request headers a preflight allows: an explicit list, since `*` never covers `Authorization`. */
  readonly allowHeaders: readonly string[];
  /** Response headers scripts may read beyond the CORS-safelisted ones. */
  readonly exposeHeaders?: readonly string[];
  /** How long a browser may cache a preflight answer. */
  readonly maxAgeSeconds: number;
}

/** Ten minutes: Chromium caps preflight caching at two hours, Firefox at one day. */
export const defaultPreflightMaxAgeSeconds = 600;

/**
 * CORS for one route family. An allowed `Origin` is echoed (never `*`); any other origin gets no
 * CORS header, so the browser keeps the response from the page. Preflights (`OPTIONS` with
 * `Access-Control-Request-Method`) are answered here with 204, allowed or not, and never reach
 * the route. `Access-Control-Allow-Credentials` is never sent: the API authenticates with a bearer
 * header the page sets itself, not with cookies, so credentialed requests are not needed, and
 * without them a cookie the browser holds for our host (an ingress's sticky-session cookie, say)
 * can never be used by a listed origin's scripts.
 */
export function cors(policy: CorsPolicy): RequestHandler {
  const allowed = new Set(policy.origins);
  const methods = policy.methods.join(', ');
  const allowHeaders = policy.allowHeaders.join(', ');
  const exposeHeaders = policy.exposeHeaders?.join(', ');
  return (request, response, next) => {
    if (allowed.size === 0) {
      next();
      return;
    }
    // The answer depends on Origin whenever a list is configured: shared caches must key on it.
    response.vary('Origin');
    const origin = request.get('origin');
    const isPreflight =
      request.method === 'OPTIONS' && request.get('access-control-request-method') !== undefined;
    const allowOrigin = origin !== undefined && allowed.has(origin);
    if (allowOrigin) response.set('access-control-allow-origin', origin);
    if (isPreflight) {
      response.vary('Access-Control-Request-Method').vary('Access-Control-Request-Headers');
      if (allowOrigin) {
        response.set({
          'access-control-allow-methods': methods,
          'access-control-allow-headers': allowHeaders,
          'access-control-max-age': String(policy.maxAgeSeconds),
        });
      }
      response.status(204).end();
      return;
    }
    if (allowOrigin && exposeHeaders) response.set('access-control-expose-headers', exposeHeaders);
    next();
  };
}

/**
 * Whether a WebSocket upgrade may proceed, by its `Origin`. Browsers always send `Origin` and
 * apply no CORS to WebSockets, so this check is the allow-list's only enforcement there. Native
 * clients (apps, servers) send none and are let through, as over HTTP. A page of the gateway's own
 * host (same origin; the scheme is not compared, since TLS usually ends at the ingress) is let
 * through too: a browser cannot forge `Origin`, so another site never matches `Host`.
 */
export function webSocketOriginAllowed(
  origins: readonly string[],
  origin: string | undefined,
  host: string | undefined,
): boolean {
  if (origin === undefined || origins.includes(origin)) return true;
  try {
    return host !== undefined && new URL(origin).host === host.toLowerCase();
  } catch {
    return false;
  }
}
