import type { GraphQLFormattedError } from 'graphql';
import { errorCodes } from './codes.js';
import type { GuardynError } from './errors.js';
import { boundMessage } from './format.js';

/** A GraphQL response that carries only errors. */
export interface ErrorResponseBody {
  readonly errors: readonly GraphQLFormattedError[];
}

/**
 * The body of a refusal answered outside GraphQL execution (HTTP middleware: a malformed body,
 * a multipart request): the same shape and rules as `formatClientError`.
 */
export function errorResponseBody(error: GuardynError): ErrorResponseBody {
  if (!errorCodes[error.code].safe) {
    return { errors: [{ message: 'Internal server error', extensions: { code: error.code } }] };
  }
  return {
    errors: [
      { message: boundMessage(error.message), extensions: { ...error.details, code: error.code } },
    ],
  };
}
