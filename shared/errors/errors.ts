import type { ErrorCode } from './codes.js';

/** Extra data a refusal carries to the client in `extensions` (beside `code`). */
export type ErrorDetails = Readonly<Record<string, unknown>>;

/**
 * A refusal with a code from the registry. Services throw these; they know nothing of GraphQL.
 * The formatter turns them into GraphQL errors with `extensions.code` and `details`.
 */
export class GuardynError extends Error {
  readonly code: ErrorCode;
  readonly details: ErrorDetails;

  constructor(
    code: ErrorCode,
    message: string,
    details: ErrorDetails = {},
    options?: ErrorOptions,
  ) {
    super(message, options);
    this.name = new.target.name;
    this.code = code;
    this.details = details;
  }
}

export class UnauthenticatedError extends GuardynError {
  constructor(message = 'Authentication required', options?: ErrorOptions) {
    super('UNAUTHENTICATED', message, {}, options);
  }
}

export class ForbiddenError extends GuardynError {
  constructor(message = 'Not allowed', options?: ErrorOptions) {
    super('FORBIDDEN', message, {}, options);
  }
}

export class BadUserInputError extends GuardynError {
  constructor(message: string, details: ErrorDetails = {}, options?: ErrorOptions) {
    super('BAD_USER_INPUT', message, details, options);
  }
}

export class NotFoundError extends GuardynError {
  constructor(message = 'Not found', options?: ErrorOptions) {
    super('NOT_FOUND', message, {}, options);
  }
}

export class ConflictError extends GuardynError {
  constructor(message: string, options?: ErrorOptions) {
    super('CONFLICT', message, {}, options);
  }
}

export class RateLimitedError extends GuardynError {
  readonly retryAfterSeconds: number;
  constructor(retryAfterSeconds: number, message = 'Too many attempts, try again later') {
    const seconds = Math.max(1, Math.ceil(retryAfterSeconds));
    super('RATE_LIMITED', message, { retryAfterSeconds: seconds });
    this.retryAfterSeconds = seconds;
  }
}

export class PayloadTooLargeError extends GuardynError {
  constructor(message: string, limitBytes?: number) {
    super('PAYLOAD_TOO_LARGE', message, limitBytes === undefined ? {} : { limitBytes });
  }
}

/**
 * The envelopes do not cover exactly the recipient's current devices. The `*OwnDevices` lists
 * say the same of the sender's other devices, which every send must also cover.
 */
export class MismatchedDevicesError extends GuardynError {
  constructor(
    readonly missingDevices: readonly number[],
    readonly extraDevices: readonly number[],
    readonly missingOwnDevices: readonly number[] = [],
    readonly extraOwnDevices: readonly number[] = [],
  ) {
    super('MISMATCHED_DEVICES', 'The envelopes do not match the current devices', {
      missingDevices,
      extraDevices,
      missingOwnDevices,
      extraOwnDevices,
    });
  }
}

/** Some devices were re-registered (their registration id changed): fetch new bundles. */
export class StaleDevicesError extends GuardynError {
  constructor(
    readonly staleDevices: readonly number[],
    readonly staleOwnDevices: readonly number[] = [],
  ) {
    super('STALE_DEVICES', 'Some devices were re-registered', { staleDevices, staleOwnDevices });
  }
}

export class StaleEpochError extends GuardynError {
  constructor(readonly currentEpoch: number) {
    super('STALE_EPOCH', 'The group has moved to another epoch', { currentEpoch });
  }
}

/** The server listens but cannot answer yet (its GraphQL is still starting): retry shortly. */
export class ServiceUnavailableError extends GuardynError {
  constructor(message = 'The service is starting; retry shortly', options?: ErrorOptions) {
    super('SERVICE_UNAVAILABLE', message, {}, options);
  }
}

/**
 * A failure a retry may cure: a store that does not answer now (its errors carry
 * `transient: true`, so this module need not know the store). Clients see SERVICE_UNAVAILABLE
 * rather than INTERNAL, and a send retried with its clientMessageId is safe.
 */
export function isTransientFailure(error: unknown): boolean {
  let current: unknown = error;
  for (let depth = 0; depth < 6 && current instanceof Error; depth++) {
    if ((current as { transient?: unknown }).transient === true) return true;
    current = (current as { originalError?: unknown }).originalError ?? current.cause;
  }
  return false;
}

/** A failure whose details must not reach clients; the cause is logged, not shown. */
export class InternalError extends GuardynError {
  constructor(message = 'Internal server error', options?: ErrorOptions) {
    super('INTERNAL', message, {}, options);
  }
}

/**
 * A service this one calls did not answer, or answered that it cannot now: INTERNAL in the log,
 * SERVICE_UNAVAILABLE to clients (`transient`), since a retry may succeed once it is back.
 */
export class DependencyUnavailableError extends InternalError {
  readonly transient = true;
}
