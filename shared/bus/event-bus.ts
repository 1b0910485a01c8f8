/**
 * The event bus contract (docs/bus.md). The store is the truth; the bus only
 * wakes people up, so every subscriber must tolerate a lost (core) or repeated (durable) event.
 */
import type { Backoff } from '../retry/index.js';

/** One delivered event. */
export interface BusMessage {
  /** The concrete subject it was published on (never a pattern). */
  readonly subject: string;
  /** The decoded JSON payload, a fresh copy per delivery: validate it before use. */
  readonly data: unknown;
  /** The publisher's deduplication id (`Nats-Msg-Id`): present on durably published messages. */
  readonly msgId?: string;
  /** JetStream durable deliveries: messages left for this consumer after this one (its lag). */
  readonly pending?: number;
  /** Durable deliveries: which delivery of this message this is, 1 for the first. */
  readonly deliveryCount?: number;
  /** Headers the publisher attached (NATS headers), e.g. the W3C `traceparent` of its span. */
  readonly headers?: Readonly<Record<string, string>>;
}

/** What a publisher may attach to a message besides its payload. */
export interface PublishOptions {
  /** Carried as NATS headers (in process: as they are) to every delivery of the message. */
  readonly headers?: Readonly<Record<string, string>>;
}

/** What a durable publish carries besides its payload. */
export interface DurablePublishOptions extends PublishOptions {
  /** The deduplication id (`Nats-Msg-Id`). */
  readonly msgId: string;
  /** How long to wait for the server to store it (NATS). @default 5_000 */
  readonly timeoutMs?: number;
}

/** Handles one message. For durable consumers, resolving acks it and throwing asks for a retry. */
export type BusHandler = (message: BusMessage) => void | Promise<void>;

/** A live subscription or durable consumer attachment. */
export interface BusSubscription {
  /** Stops delivery at once, synchronously; a handler already running finishes. Idempotent. */
  unsubscribe(): void;
}

/** Whether the bus can carry messages now, for `/health`. */
export interface BusConnection {
  readonly up: boolean;
  /** Why not, when it is down (e.g. `disconnected from nats://nats:4222, reconnecting`). */
  readonly detail?: string;
}

/** The one interface every service talks to; see `createInProcessBus` and `createNatsBus`. */
export interface EventBus {
  /**
   * Up unless the server is unreachable (NATS: disconnected and reconnecting) or the bus is
   * closing. Cheap and synchronous: the client's last known state, not a round trip.
   */
  connection(): BusConnection;
  /**
   * Core, at most once, fire and forget (a hint). Subject wildcards as NATS: `*` one token, `>`
   * the rest. Rejects with `BusClosedError` after `close()`, `InvalidSubjectError` for a pattern
   * or malformed subject, and a `TypeError` for a payload that is not JSON-serialisable.
   */
  publish(subject: string, data: unknown, options?: PublishOptions): Promise<void>;
  /**
   * Delivers every later core publish (and durable publish: core subscribers see those too, as in
   * NATS) whose subject matches the pattern. Handler errors go to `onError` and never stop the
   * subscription. Throws `BusClosedError` after `close()`.
   */
  subscribe(subjectPattern: string, handler: BusHandler): BusSubscription;
  /**
   * Durable (JetStream in NATS): at least once; deduplicated by msgId within a window (NATS
   * `Nats-Msg-Id`); a duplicate resolves without being stored again. Resolves once stored.
   * Rejects with `NotDurableSubjectError` for a subject outside the durable subjects, with
   * `BusUnavailableError` at once while the connection is known to be down (NATS: between a
   * disconnect and the reconnect), and with a timeout error when the server has not stored it
   * within `timeoutMs`.
   */
  publishDurable(subject: string, data: unknown, options: DurablePublishOptions): Promise<void>;
  /**
   * A named durable consumer: messages are handed to the handler one at a time in stream order,
   * starting (for a new name) with the oldest retained message. Each message is acked when the
   * handler resolves and redelivered (with exponential backoff) when it throws, meanwhile later
   * messages go on, so order holds only while handlers succeed. After `maxDeliver` attempts a
   * message is given up (reported to `onError`). The position survives re-attaching with the same
   * name (and, in NATS, restarts); the pattern may not change (`DurableConsumerConflictError`).
   * Returns when the consumer is attached.
   */
  consumeDurable(
    subjectPattern: string,
    durableName: string,
    handler: BusHandler,
  ): Promise<BusSubscription>;
  /**
   * Stops delivery to this bus's subscribers at once, waits for running durable handlers to
   * settle, flushes pending publishes and closes the connection. Idempotent: every call returns
   * the same promise.
   */
  close(): Promise<void>;
}

/** What failed, for the `onError` callback. */
export type BusErrorKind =
  /** A core subscriber's handler threw or rejected; the subscription goes on. */
  | 'handler'
  /** A durable handler threw or rejected; the message will be redelivered. */
  | 'durable-handler'
  /** A durable handler failed on its last allowed delivery; the message is dropped. */
  | 'durable-gave-up'
  /** A received payload was not valid JSON; it is dropped. */
  | 'decode'
  /** A durable consumer's machinery failed (not the handler). */
  | 'consumer'
  /** The connection reported an asynchronous error or closed with one. */
  | 'connection';

/** Where an error reported to `onError` happened. */
export interface BusErrorContext {
  readonly kind: BusErrorKind;
  readonly subject?: string;
  readonly durableName?: string;
  /** For durable deliveries: how many times this message has been delivered, this one included. */
  readonly deliveryCount?: number;
}

/** Logger-like sink for errors the bus cannot throw to a caller, e.g. `(err, ctx) => log.warn({ err, ...ctx })`. */
export type BusErrorHandler = (error: unknown, context: BusErrorContext) => void;

/** Redelivery delay after a durable handler fails: `initialMs * 2^(deliveries - 1)`, at most `maxMs`. */
export type RetryBackoff = Backoff;

/** Options both implementations share. */
export interface BusOptions {
  /**
   * Subject patterns that are durable (the JetStream stream's subjects). `publishDurable` and
   * `consumeDurable` accept only subjects and patterns inside them.
   * @default durableSubjectPatterns (`guardyn.push.>`, `guardyn.device.revoked.>`)
   */
  readonly durableSubjects?: readonly string[];
  /** Window in which a repeated msgId is dropped. @default 120_000 */
  readonly duplicateWindowMs?: number;
  /** Backoff between redeliveries of a message whose handler failed. Defaults per implementation. */
  readonly retry?: RetryBackoff;
  /** Deliveries of one message before it is given up. @default 10 */
  readonly maxDeliver?: number;
  /** Receives handler and connection errors. @default ignore them */
  readonly onError?: BusErrorHandler;
}

/**
 * Thrown by a durable handler that wants the message again after `delayMs` (e.g. a push
 * provider's Retry-After) instead of after the bus's own backoff. Not reported to `onError`
 * (the handler chose it); it counts towards `maxDeliver` like any failed delivery.
 */
export class RedeliverLaterError extends Error {
  readonly delayMs: number;

  constructor(delayMs: number, message = `redeliver in ${delayMs} ms`) {
    super(message);
    this.name = new.target.name;
    this.delayMs = Math.max(0, Math.round(delayMs));
  }
}

/** Thrown (or rejected with) by every operation but `close()` once the bus is closing. */
export class BusClosedError extends Error {
  constructor(message = 'The event bus is closed') {
    super(message);
    this.name = new.target.name;
  }
}

/**
 * A durable publish refused at once because the bus connection is down (it reconnects by
 * itself): the caller keeps what it meant to publish and tries again later, rather than wait.
 */
export class BusUnavailableError extends Error {
  constructor(message = 'The event bus is disconnected') {
    super(message);
    this.name = new.target.name;
  }
}

/** A durable publish or consumer outside the configured durable subjects. */
export class NotDurableSubjectError extends Error {
  readonly subject: string;
  readonly durableSubjects: readonly string[];

  constructor(subject: string, durableSubjects: readonly string[]) {
    super(`Subject ${subject} is not inside the durable subjects ${durableSubjects.join(', ')}`);
    this.name = new.target.name;
    this.subject = subject;
    this.durableSubjects = durableSubjects;
  }
}

/**
 * A durable name re-attached with another subject pattern. A durable consumer keeps its filter:
 * in-place filter updates have stalled consumers on several NATS server versions. Use a new name
 * (which starts from the oldest retained message) or delete the old consumer first.
 */
export class DurableConsumerConflictError extends Error {
  readonly durableName: string;
  readonly existingPattern: string | undefined;
  readonly requestedPattern: string;

  constructor(durableName: string, existingPattern: string | undefined, requestedPattern: string) {
    super(
      `Durable consumer ${durableName} exists with subject ${existingPattern ?? '(none)'}, not ${requestedPattern}`,
    );
    this.name = new.target.name;
    this.durableName = durableName;
    this.existingPattern = existingPattern;
    this.requestedPattern = requestedPattern;
  }
}
