import type { IncomingHttpHeaders, IncomingMessage } from 'node:http';

const jsonContentType = /^application\/json\s*(;\s*charset="?utf-8"?\s*)?$/i;
/** One media range that negotiates to `application/json` (Apollo Server's default answer). */
const jsonAccept = /^\s*(\*\/\*|application\/\*|application\/json)\s*(;[^,]*)?$/i;
/** Apollo Client's and graphql-http's `Accept`, spaces removed: Apollo answers the first type. */
const graphqlResponseAccepts = new Set([
  'application/graphql-response+json',
  'application/graphql-response+json,application/json;q=0.9',
]);

export const jsonType = 'application/json; charset=utf-8';
export const graphqlResponseType = 'application/graphql-response+json; charset=utf-8';

/**
 * The content type Apollo Server would answer with for this `Accept`, for the forms whose
 * negotiation is plain; undefined for any other (Apollo Server negotiates those itself).
 */
export function answerType(accept: string | undefined): string | undefined {
  if (accept === undefined || jsonAccept.test(accept)) return jsonType;
  return graphqlResponseAccepts.has(accept.replace(/\s+/g, '').toLowerCase())
    ? graphqlResponseType
    : undefined;
}

/**
 * Whether the lean path may answer a request: a plain `POST /graphql` JSON body of known length
 * (no encoding, no chunking), whose `Accept` negotiates plainly (see `answerType`), without a
 * CORS origin to check. Anything else (GET, multipart uploads, compressed or chunked bodies,
 * other `Accept` headers, browsers' cross-origin calls, the explorer) takes the Express path,
 * unchanged.
 */
export function leanEligible(
  request: IncomingMessage,
  corsOrigins: readonly string[],
  /** express.json's limit on the Express path: larger bodies get its 413 there. */
  maxBodyBytes: number,
): boolean {
  if (request.method !== 'POST' || request.url !== '/graphql') return false;
  return leanEligibleHeaders(request.headers, corsOrigins, maxBodyBytes);
}

/** The header checks of `leanEligible`, for a POST to /graphql made in process too. */
export function leanEligibleHeaders(
  headers: IncomingHttpHeaders,
  corsOrigins: readonly string[],
  maxBodyBytes: number,
): boolean {
  if (!jsonContentType.test(headers['content-type'] ?? '')) return false;
  if (headers['content-encoding'] !== undefined && headers['content-encoding'] !== 'identity') {
    return false;
  }
  if (headers['transfer-encoding'] !== undefined) return false;
  const length = Number(headers['content-length']);
  if (!(length > 0 && length <= maxBodyBytes)) return false;
  if (answerType(headers.accept) === undefined) return false;
  if (corsOrigins.length > 0 && headers.origin !== undefined) return false;
  // A development-only planner feature of @apollo/gateway that reads Apollo's request headers.
  return headers['apollo-query-plan-experimental'] === undefined;
}
