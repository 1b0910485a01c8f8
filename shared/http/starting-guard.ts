import type { RequestHandler } from 'express';
import { errorResponseBody, ServiceUnavailableError } from '../errors/index.js';

/**
 * Mounted on `/graphql` before anything else: until `isServing()` (Apollo has started and the
 * GraphQL routes are mounted) every request there, a graphql-ws upgrade included (Node hands an
 * upgrade to the request handler while no `upgrade` listener exists), gets 503 with a GraphQL
 * error body `SERVICE_UNAVAILABLE` and `Retry-After: 1`, instead of Express's bare 404 page.
 */
export function refuseUntilServing(service: string, isServing: () => boolean): RequestHandler {
  return (_request, response, next) => {
    if (isServing()) {
      next();
      return;
    }
    response
      .status(503)
      .set('retry-after', '1')
      .json(
        errorResponseBody(new ServiceUnavailableError(`${service} is starting; retry shortly`)),
      );
  };
}
