import type { RequestHandler } from 'express';
import { cors, defaultPreflightMaxAgeSeconds, type CorsPolicy } from '../../shared/http/index.js';

/**
 * CORS on `GET /media/<id>` for the gateway's allow-list (GUARDYN_GATEWAY__CORS_ORIGINS), so a
 * web client can fetch attachments with ranges: it may send `Range`, and read the headers a
 * ranged or resumed download needs.
 */
export function downloadCorsPolicy(origins: readonly string[]): CorsPolicy {
  return {
    origins,
    methods: ['GET', 'HEAD', 'OPTIONS'],
    allowHeaders: ['range'],
    exposeHeaders: ['content-range', 'accept-ranges', 'content-length', 'etag'],
    maxAgeSeconds: defaultPreflightMaxAgeSeconds,
  };
}

export function downloadCors(origins: readonly string[]): RequestHandler {
  return cors(downloadCorsPolicy(origins));
}
