import cassandra from 'cassandra-driver';

/**
 * The store is not connected (yet or any more) to the CQL cluster. Thrown by every query until the
 * connection is up; `ping()` throws it too, so /health reports the reason.
 */
export class CqlUnavailableError extends Error {
  /** A retry may succeed (shared/errors shows clients SERVICE_UNAVAILABLE). */
  readonly transient = true;

  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'CqlUnavailableError';
  }
}

/**
 * A CQL statement failed (a timeout, an unavailable replica, a refused query). The message names the
 * statement; the driver's error is the `cause`. Not a GuardynError: the server log keeps the
 * cause, and clients see SERVICE_UNAVAILABLE when the cluster did not answer (`transient`: no
 * node, a timeout, too few replicas, an overloaded or starting node), INTERNAL otherwise.
 */
export class CqlQueryError extends Error {
  readonly transient: boolean;

  constructor(
    readonly statement: string,
    cause: unknown,
  ) {
    super(`CQL statement "${statement}" failed: ${describeError(cause)}`, { cause });
    this.name = 'CqlQueryError';
    this.transient = isUnansweredStatement(cause);
  }
}

/** The cluster did not answer the statement, as opposed to refusing it (a bug, a bad schema). */
function isUnansweredStatement(error: unknown): boolean {
  const { errors, types } = cassandra;
  if (error instanceof errors.NoHostAvailableError) return true;
  // The node's connection closed under the statement (a node killed mid-write): the driver retries
  // idempotent statements elsewhere and hands this back for the others (lightweight transactions).
  if (isSocketError(error)) return true;
  if (error instanceof errors.OperationTimedOutError) return true;
  if (!(error instanceof errors.ResponseError)) return false;
  const codes = types.responseErrorCodes;
  return [
    codes.unavailableException,
    codes.overloaded,
    codes.isBootstrapping,
    codes.readTimeout,
    codes.writeTimeout,
  ].includes(error.code);
}

/**
 * The driver's mark on a request whose connection failed (`DriverError('Socket was closed')`):
 * `isSocketError`, with `requestNotWritten` when it never left the client.
 */
function isSocketError(error: unknown): boolean {
  return (
    error instanceof cassandra.errors.DriverError &&
    (error as { isSocketError?: unknown }).isSocketError === true
  );
}

/** A compare-and-set kept losing to other writers; the caller may retry later. */
export class CqlContentionError extends Error {
  readonly transient = true;

  constructor(what: string) {
    super(`gave up on ${what} after repeated lightweight-transaction contention`);
    this.name = 'CqlContentionError';
  }
}

/** One line describing an error, for messages and logs. */
export function describeError(error: unknown): string {
  if (error instanceof cassandra.errors.NoHostAvailableError) {
    const inner = Object.entries((error.innerErrors ?? {}) as Record<string, unknown>)
      .map(([host, cause]) => `${host}: ${cause instanceof Error ? cause.message : String(cause)}`)
      .join('; ');
    return inner ? `no CQL node answered (${inner})` : firstLine(error.message);
  }
  return error instanceof Error ? firstLine(error.message) : String(error);
}

function firstLine(text: string): string {
  return text.split('\n', 1)[0] ?? text;
}

/**
 * True when a write may or may not have been applied: a server-side write timeout (including a
 * lightweight transaction's CAS timeout) or a client-side timeout. Such an outcome must be found
 * out by reading (at SERIAL consistency for a lightweight transaction), never assumed.
 */
export function isUnknownWriteOutcome(error: unknown): boolean {
  const cause = error instanceof CqlQueryError ? error.cause : error;
  if (cause instanceof cassandra.errors.OperationTimedOutError) return true;
  // Written, then the connection closed before the answer: the node may have applied it.
  if (isSocketError(cause) && !(cause as { requestNotWritten?: unknown }).requestNotWritten)
    return true;
  if (cause instanceof cassandra.errors.ResponseError) {
    const codes = cassandra.types.responseErrorCodes;
    return (
      cause.code === codes.writeTimeout ||
      cause.code === codes.readTimeout ||
      cause.code === codes.writeFailure
    );
  }
  return false;
}
