import type { RequestHandler, Response } from 'express';
import processRequest from 'graphql-upload/processRequest.mjs';
import { callerFromAuthorization, type TokenVerifier } from '../../shared/auth/index.js';
import {
  BadUserInputError,
  errorResponseBody,
  PayloadTooLargeError,
  UnauthenticatedError,
  type GuardynError,
} from '../../shared/errors/index.js';

/** Limits of one GraphQL multipart request. */
export interface MultipartOptions {
  readonly verifier: TokenVerifier;
  /** Largest single file (the largest any upload mutation accepts); each mutation checks its own. */
  readonly maxFileBytes: number;
  /** Largest whole request body, when it announces its length. */
  readonly maxRequestBytes: number;
  /** Files per request: uploadMedia takes a file and a thumbnail. @default 2 */
  readonly maxFiles?: number;
}

/** The `operations` and `map` fields are small JSON. */
const maxFieldBytes = 64 * 1024;

/** Headers Apollo Server's CSRF prevention accepts on a "simple" (multipart) request. */
const preflightHeaders = ['apollo-require-preflight', 'x-apollo-operation-name'];

/**
 * Refuses before the body is read, so the connection cannot be reused: it is closed. The body is
 * a GraphQL response with the error's code, like every other refusal.
 */
function refuse(response: Response, status: number, error: GuardynError): void {
  response.status(status).set('connection', 'close').json(errorResponseBody(error));
}

/**
 * Parses GraphQL multipart requests (graphql-multipart-request-spec) on `/graphql` with
 * graphql-upload, so that `Upload` arguments reach the resolvers as streams; other requests pass
 * through untouched. Before reading any byte it requires the CSRF preflight header (400), a valid
 * access token (401 UNAUTHENTICATED) and an announced length within limits (413); a malformed
 * multipart body is 400 BAD_USER_INPUT. Files stream through graphql-upload's temporary files,
 * which it removes when the response ends.
 */
export function multipartRequests(options: MultipartOptions): RequestHandler {
  return async (request, response, next) => {
    // By header, not request.is(): that answers null for a multipart request without a body.
    if (!/^multipart\/form-data\b/i.test(request.get('content-type') ?? '')) {
      next();
      return;
    }
    if (!preflightHeaders.some((header) => (request.get(header) ?? '') !== '')) {
      refuse(
        response,
        400,
        new BadUserInputError(
          `multipart requests need a non-empty ${preflightHeaders.join(' or ')} header (CSRF prevention)`,
        ),
      );
      return;
    }
    const caller = await callerFromAuthorization(options.verifier, request.headers.authorization);
    if (caller.kind !== 'authenticated') {
      refuse(response, 401, caller.kind === 'rejected' ? caller.error : new UnauthenticatedError());
      return;
    }
    const length = Number(request.get('content-length'));
    if (Number.isFinite(length) && length > options.maxRequestBytes) {
      refuse(
        response,
        413,
        new PayloadTooLargeError(`the request is larger than ${options.maxRequestBytes} bytes`),
      );
      return;
    }
    try {
      request.body = await processRequest(request, response, {
        maxFieldSize: maxFieldBytes,
        maxFileSize: options.maxFileBytes,
        maxFiles: options.maxFiles ?? 2,
      });
    } catch (error) {
      // graphql-upload's own refusals carry an HTTP status; the multipart parser's (busboy:
      // "Unexpected end of form", a malformed part header...) do not, and are malformed input too.
      const { status, message } = error as { status?: unknown; message?: unknown };
      const detail = typeof message === 'string' ? message : 'malformed multipart request';
      if (status === 499) return; // the client left; nobody to answer
      if (status === 413) refuse(response, 413, new PayloadTooLargeError(detail));
      else refuse(response, 400, new BadUserInputError(`malformed multipart request: ${detail}`));
      return;
    }
    next();
  };
}
