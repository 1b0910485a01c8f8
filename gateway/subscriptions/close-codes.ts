/**
 * Why the gateway closes a subscription socket. graphql-ws's own codes (4400 bad request,
 * 4408 init timeout, 4409 duplicate subscriber, 4429 repeated init, 4500 internal) stay as they are.
 */
export const CloseCode = {
  /** No, a malformed, an expired or a revoked access token. */
  Unauthorized: 4401,
  /** The device was removed from its account. */
  DeviceRevoked: 4403,
  /** The client does not read fast enough; its send buffer hit the limit. */
  SlowConsumer: 4413,
  /** The device already has the most connections allowed. */
  TooManyConnections: 4430,
  /** The server is shutting down; reconnect elsewhere. */
  GoingAway: 1001,
} as const;
