/**
 * The event bus: one interface, two implementations (in-process, NATS), and every event declared
 * once (events.ts) with typed publish and consume helpers. See docs/bus.md.
 */
import type { BusErrorHandler, EventBus } from './event-bus.js';
import { createInProcessBus } from './in-process.js';
import { createNatsBus } from './nats.js';

export {
  BusClosedError,
  BusUnavailableError,
  DurableConsumerConflictError,
  NotDurableSubjectError,
  type BusErrorContext,
  RedeliverLaterError,
  type BusConnection,
  type BusErrorHandler,
  type BusErrorKind,
  type BusHandler,
  type BusMessage,
  type BusOptions,
  type BusSubscription,
  type EventBus,
  type PublishOptions,
  type RetryBackoff,
} from './event-bus.js';
export {
  InvalidSubjectError,
  accountDeletedPattern,
  accountDeletedSubject,
  assertSubject,
  assertSubjectPattern,
  connectionPattern,
  connectionSubject,
  deviceRevokedPattern,
  deviceRevokedSubject,
  durableSubjectPatterns,
  mailboxPattern,
  mailboxSubject,
  membershipPattern,
  membershipSubject,
  presencePattern,
  presenceSubject,
  pushPattern,
  pushSubject,
  sessionRevokedPattern,
  sessionRevokedSubject,
  subjectMatches,
  subjectPatternCovers,
  subjectToken,
  typingPattern,
  typingSubject,
} from './subjects.js';
export {
  accountDeletedEvent,
  busEventTypes,
  connectionEvent,
  deviceRevokedEvent,
  mailboxEvent,
  membershipEvent,
  presenceEvent,
  pushEvent,
  sessionRevokedEvent,
  typingEvent,
  type AccountDeletedEvent,
  type BusEventType,
  type ConnectionEvent,
  type CoreEventType,
  type DeviceRevokedEvent,
  type DurableEventType,
  type MailboxEvent,
  type MembershipEvent,
  type PresenceEvent,
  type PushEvent,
  type SessionRevokedEvent,
  type TypingEvent,
} from './events.js';
export {
  consumeEvent,
  onEvent,
  publishDurableEvent,
  publishEvent,
  type EventHandler,
} from './typed-events.js';
export { createInProcessBus, type InProcessBusOptions } from './in-process.js';
export { createNatsBus, type NatsBusOptions } from './nats.js';

/** What `createEventBus` needs from the config. */
export interface EventBusConfig {
  /** Set: NATS (JetStream for durable subjects). Unset: the in-process bus. */
  readonly natsUrl: string | undefined;
  /** Connection name for the server's monitoring, e.g. the service name. */
  readonly name?: string;
  /** Isolates this deployment's subjects and stream on a shared NATS server (see NatsBusOptions). */
  readonly namespace?: string;
  /** Receives errors the bus cannot throw to a caller; log them. */
  readonly onError?: BusErrorHandler;
}

/**
 * The one place the bus implementation is chosen: NATS when a URL is configured, else the
 * in-process bus (which only reaches subscribers in this process). Rejects when NATS is
 * configured but cannot be reached.
 */
export async function createEventBus(config: EventBusConfig): Promise<EventBus> {
  const { natsUrl, name, namespace, onError } = config;
  if (natsUrl === undefined || natsUrl === '') return createInProcessBus({ onError });
  return createNatsBus({ url: natsUrl, name, namespace, onError });
}
