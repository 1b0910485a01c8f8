import { GraphQLError, type GraphQLFormattedError } from 'graphql';
import { errorCodes, isErrorCode, type ErrorCode } from './codes.js';
import { GuardynError, isTransientFailure } from './errors.js';

/** Apollo's own codes for requests that never reached a resolver; clients see BAD_USER_INPUT. */
const requestErrorCodes = new Set([
  'GRAPHQL_PARSE_FAILED',
  'GRAPHQL_VALIDATION_FAILED',
  'BAD_USER_INPUT',
  'BAD_REQUEST',
  'OPERATION_RESOLUTION_FAILURE',
  'PERSISTED_QUERY_NOT_FOUND',
  'PERSISTED_QUERY_NOT_SUPPORTED',
]);

const internalMessage = 'Internal server error';
const unavailableMessage = 'A store did not answer; retry shortly';
/** Said instead of a request error whose text came from a JavaScript error (e.g. a stack overflow). */
const malformedRequestMessage = 'The request is malformed or nested too deeply';

/** Longest message a client sees: an invalid 10 MB variable must not come back whole. */
export const maxClientMessageLength = 400;

/** The message, cut to `maxClientMessageLength` characters with an ellipsis. */
export function boundMessage(message: string): string {
  return message.length <= maxClientMessageLength
    ? message
    : `${message.slice(0, maxClientMessageLength - 1)}…`;
}

/** Called with errors that are hidden from the client, so they can be logged with their cause. */
export type HiddenErrorSink = (error: unknown) => void;

function findGuardynError(error: unknown): GuardynError | undefined {
  let current: unknown = error;
  for (let depth = 0; depth < 5 && current instanceof Error; depth++) {
    if (current instanceof GuardynError) return current;
    current = (current as { originalError?: unknown }).originalError ?? current.cause;
  }
  return undefined;
}

/**
 * Whether a plain JavaScript error (a RangeError from a stack overflow, a TypeError...) lies behind
 * a GraphQL error: then its message is the runtime's, not ours or GraphQL's, and stays hidden.
 */
function hasInternalCause(error: unknown): boolean {
  let current: unknown = error;
  for (let depth = 0; depth < 5 && current instanceof Error; depth++) {
    if (!(current instanceof GraphQLError) && !(current instanceof GuardynError)) return true;
    current = (current as { originalError?: unknown }).originalError ?? current.cause;
  }
  return false;
}

/**
 * Maps any error to what a client may see: a registry code in `extensions.code`, the error's
 * details, and never a stack trace or an internal message.
 *
 * Errors that arrive already formatted from a subgraph (through the gateway) keep their code.
 * Messages are cut to `maxClientMessageLength`.
 */
export function formatClientError(
  formatted: GraphQLFormattedError,
  error: unknown,
  onHidden: HiddenErrorSink,
): GraphQLFormattedError {
  const guardynError = findGuardynError(error);
  const base = {
    message: boundMessage(formatted.message),
    locations: formatted.locations,
    path: formatted.path,
  };

  if ((!guardynError || !errorCodes[guardynError.code].safe) && isTransientFailure(error)) {
    onHidden(error);
    return { ...base, message: unavailableMessage, extensions: { code: 'SERVICE_UNAVAILABLE' } };
  }
  if (guardynError) {
    if (!errorCodes[guardynError.code].safe) {
      onHidden(error);
      return { ...base, message: internalMessage, extensions: { code: 'INTERNAL' } };
    }
    return { ...base, extensions: { ...guardynError.details, code: guardynError.code } };
  }

  const code = formatted.extensions?.['code'];
  const clientFault = isErrorCode(code)
    ? errorCodes[code].safe
    : typeof code === 'string' && requestErrorCodes.has(code);
  if (clientFault && hasInternalCause(error)) {
    onHidden(error);
    const badInput: ErrorCode = 'BAD_USER_INPUT';
    return { ...base, message: malformedRequestMessage, extensions: { code: badInput } };
  }
  if (isErrorCode(code)) {
    if (!errorCodes[code].safe) return { ...base, message: internalMessage, extensions: { code } };
    return { ...base, extensions: { ...withoutStack(formatted.extensions), code } };
  }
  if (typeof code === 'string' && requestErrorCodes.has(code)) {
    const badInput: ErrorCode = 'BAD_USER_INPUT';
    return { ...base, extensions: { code: badInput, reason: code } };
  }
  onHidden(error);
  return { ...base, message: internalMessage, extensions: { code: 'INTERNAL' } };
}

function withoutStack(extensions: Readonly<Record<string, unknown>> | undefined) {
  if (!extensions) return {};
  // `response` (a failed subgraph call: URL, status, body) is internal too.
  const {
    stacktrace: _stacktrace,
    exception: _exception,
    response: _response,
    ...rest
  } = extensions;
  return rest;
}
