import type { ErrorRequestHandler } from 'express';
import {
  BadUserInputError,
  errorResponseBody,
  GuardynError,
  InternalError,
  PayloadTooLargeError,
} from '../errors/index.js';
import type { Logger } from '../logging/index.js';

/** What body-parser (http-errors) puts on the errors it passes to `next`. */
interface BodyParserError {
  readonly type?: unknown;
  readonly status?: unknown;
  readonly limit?: unknown;
}

/** Known body-parser refusals: the HTTP status and what the client did wrong. */
const bodyErrors: Readonly<Record<string, { status: number; message: string }>> = {
  'entity.parse.failed': { status: 400, message: 'the request body is not valid JSON' },
  'encoding.unsupported': { status: 415, message: 'unsupported Content-Encoding' },
  'charset.unsupported': { status: 415, message: 'unsupported charset; send UTF-8 JSON' },
  'request.aborted': { status: 400, message: 'the request body ended early' },
  'request.size.invalid': {
    status: 400,
    message: 'the request body does not match its Content-Length',
  },
};

const statusOfCode: Readonly<Record<string, number>> = {
  UNAUTHENTICATED: 401,
  FORBIDDEN: 403,
  PAYLOAD_TOO_LARGE: 413,
  INTERNAL: 500,
};

/** The refusal a client sees for an error that reached Express, and its HTTP status. */
export function classifyHttpError(error: unknown): { status: number; refusal: GuardynError } {
  if (error instanceof GuardynError) {
    return { status: statusOfCode[error.code] ?? 400, refusal: error };
  }
  const { type, status, limit } = (error ?? {}) as BodyParserError;
  if (type === 'entity.too.large') {
    const bytes = typeof limit === 'number' ? limit : undefined;
    return {
      status: 413,
      refusal: new PayloadTooLargeError(
        bytes === undefined
          ? 'the request body is too large'
          : `the request body is larger than ${bytes} bytes`,
        bytes,
      ),
    };
  }
  const known = typeof type === 'string' ? bodyErrors[type] : undefined;
  if (known) return { status: known.status, refusal: new BadUserInputError(known.message) };
  // Other client errors (e.g. a body that fails to decompress) carry a 4xx status.
  if (typeof status === 'number' && status >= 400 && status < 500) {
    return { status: 400, refusal: new BadUserInputError('the request body could not be read') };
  }
  return { status: 500, refusal: new InternalError() };
}

/**
 * The last handler of every server: whatever error reaches Express (a truncated or oversized
 * JSON body, an unknown charset...) is answered as a GraphQL error body with a code, never with
 * Express's HTML page, a stack trace or a file path. Internal errors are logged, not shown.
 */
export function graphqlErrorHandler(logger: Logger): ErrorRequestHandler {
  return (error, request, response, _next) => {
    if (response.headersSent) {
      // Too late for another answer. Not Express's final handler: it would print to stderr,
      // outside our logger. An unfinished answer cannot be completed, so its socket goes.
      logger.warn({ err: error }, 'request failed after its answer started');
      if (!response.writableEnded) response.destroy();
      return;
    }
    const { status, refusal } = classifyHttpError(error);
    if (status >= 500) logger.error({ err: error }, 'request failed');
    // The body may be partly unread: a keep-alive client is told, before the body, not to reuse
    // the connection (its next request could not be parsed before the unread rest).
    if (status === 413 || !request.complete) response.set('connection', 'close');
    response.status(status).json(errorResponseBody(refusal));
  };
}
