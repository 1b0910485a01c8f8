/**
 * The one registry of error codes (docs/api.md). Every refusal a client sees carries one of
 * these as `extensions.code`. `safe` says whether the message may be shown to clients as is.
 */
export const errorCodes = {
  UNAUTHENTICATED: { description: 'No valid access token, or wrong credentials.', safe: true },
  FORBIDDEN: { description: 'Authenticated, but not allowed to do this.', safe: true },
  BAD_USER_INPUT: {
    description: 'The input is malformed or breaks a documented rule.',
    safe: true,
  },
  NOT_FOUND: { description: 'The thing asked for does not exist (or is not visible).', safe: true },
  CONFLICT: {
    description: 'The change collides with existing state (e.g. username taken).',
    safe: true,
  },
  RATE_LIMITED: { description: 'Too many attempts; see extensions.retryAfterSeconds.', safe: true },
  PAYLOAD_TOO_LARGE: { description: 'A size limit was exceeded.', safe: true },
  MISMATCHED_DEVICES: {
    description: 'The envelope set does not cover exactly the current devices.',
    safe: true,
  },
  STALE_DEVICES: { description: 'A device registration id no longer matches.', safe: true },
  STALE_EPOCH: { description: 'The MLS epoch is not the group’s current epoch.', safe: true },
  SERVICE_UNAVAILABLE: {
    description:
      'The server is starting, or a store or service it needs does not answer now; retry shortly (a send with the same clientMessageId is safe).',
    safe: true,
  },
  INTERNAL: { description: 'Something failed on the server; no details are shown.', safe: false },
} as const;

export type ErrorCode = keyof typeof errorCodes;

export function isErrorCode(value: unknown): value is ErrorCode {
  return typeof value === 'string' && Object.hasOwn(errorCodes, value);
}
