/** What the subscription server grants each socket; `startGateway` may override any of it. */
export interface SubscriptionLimits {
  /** Most subscriptions one socket may hold at once. @default 20 */
  readonly maxSubscriptionsPerConnection: number;
  /** Most sockets one device may hold on this gateway. @default 5 */
  readonly maxConnectionsPerDevice: number;
  /** A socket whose unsent data passes this is closed as a slow consumer. @default 1 MiB */
  readonly maxBufferedBytes: number;
  /** Most results queued for one subscription. @default 1000 */
  readonly maxQueuedResults: number;
  /** Ping interval (graphql-ws keep-alive). @default 12 s */
  readonly keepAliveMs: number;
  /** Presence heartbeat interval. @default 30 s */
  readonly heartbeatMs: number;
  /** Mailbox re-read interval without a hint. @default 30 s */
  readonly mailboxPollMs: number;
  /**
   * How often rights granted at subscribe time are re-checked: typing's membership (also
   * re-checked on membership events), and which users presenceChanged follows. @default 60 s
   */
  readonly rightsRecheckMs: number;
  /**
   * Largest frame a socket may send (the largest legitimate message); bigger frames close the
   * socket with 1009 before they are parsed. @default 64 KiB
   */
  readonly maxFrameBytes: number;
  /**
   * A socket that sends no `connection_init` within this is closed with 4408 (graphql-ws's own
   * default, kept). @default 3 s
   */
  readonly connectionInitWaitMs: number;
}

export const defaultSubscriptionLimits: SubscriptionLimits = {
  maxSubscriptionsPerConnection: 20,
  maxConnectionsPerDevice: 5,
  maxBufferedBytes: 1024 * 1024,
  maxQueuedResults: 1000,
  keepAliveMs: 12_000,
  heartbeatMs: 30_000,
  mailboxPollMs: 30_000,
  rightsRecheckMs: 60_000,
  maxFrameBytes: 64 * 1024,
  connectionInitWaitMs: 3_000,
};
