import type { IncomingMessage } from 'node:http';
import {
  defaultPreflightMaxAgeSeconds,
  webSocketOriginAllowed,
  type CorsPolicy,
} from '../shared/http/index.js';

/**
 * CORS on the gateway's `/graphql` for the allow-list (GUARDYN_GATEWAY__CORS_ORIGINS): the
 * methods and request headers GraphQL clients send. Apollo Client sends
 * `apollographql-client-*` (client awareness), Hive and others `graphql-client-*`; an explicit
 * list because `Access-Control-Allow-Headers: *` never covers `Authorization`.
 */
export function graphqlCorsPolicy(origins: readonly string[]): CorsPolicy {
  return {
    origins,
    methods: ['GET', 'POST', 'OPTIONS'],
    allowHeaders: [
      'content-type',
      'authorization',
      'apollo-require-preflight',
      'x-apollo-operation-name',
      'apollographql-client-name',
      'apollographql-client-version',
      'graphql-client-name',
      'graphql-client-version',
    ],
    maxAgeSeconds: defaultPreflightMaxAgeSeconds,
  };
}

/** The same allow-list for subscription sockets (plus native clients and the gateway's own host). */
export function subscriptionOriginCheck(
  origins: readonly string[],
): (request: IncomingMessage) => boolean {
  return (request) => webSocketOriginAllowed(origins, request.headers.origin, request.headers.host);
}
