/**
 * Publishing and consuming the events of events.ts: the subject comes from the payload, and a
 * consumer's handler only ever sees a parsed payload (a malformed one is dropped, and for a durable
 * consumer acknowledged, since a retry would not mend it).
 */
import type { BusEventType, CoreEventType, DurableEventType } from './events.js';
import type {
  BusMessage,
  BusSubscription,
  DurablePublishOptions,
  EventBus,
  PublishOptions,
} from './event-bus.js';

/** Handles one parsed event; the raw message is there for its subject, headers and msgId. */
export type EventHandler<Payload> = (payload: Payload, message: BusMessage) => void | Promise<void>;

/** Publishes a core event on the subject its payload names (see `EventBus.publish`). */
export function publishEvent<Payload>(
  bus: EventBus,
  type: CoreEventType<Payload>,
  payload: Payload,
  options?: PublishOptions,
): Promise<void> {
  return bus.publish(type.subjectOf(payload), payload, options);
}

/** Publishes a durable event, deduplicated by `msgId` (see `EventBus.publishDurable`). */
export function publishDurableEvent<Payload>(
  bus: EventBus,
  type: DurableEventType<Payload>,
  payload: Payload,
  options: DurablePublishOptions,
): Promise<void> {
  return bus.publishDurable(type.subjectOf(payload), payload, options);
}

/** Runs the handler with the payload, or skips a malformed one. */
function parsed<Payload>(
  type: BusEventType<Payload>,
  handler: EventHandler<Payload>,
): (message: BusMessage) => void | Promise<void> {
  return (message) => {
    const payload = type.parse(message.data);
    return payload === null ? undefined : handler(payload, message);
  };
}

/**
 * Subscribes (core, at most once) to every event of this kind, or to those on `subject` (one
 * concrete subject of the kind, e.g. `typingSubject(conversationId)`).
 */
export function onEvent<Payload>(
  bus: EventBus,
  type: BusEventType<Payload>,
  handler: EventHandler<Payload>,
  subject: string = type.pattern,
): BusSubscription {
  return bus.subscribe(subject, parsed(type, handler));
}

/** Attaches a named durable consumer to every event of this kind (see `EventBus.consumeDurable`). */
export function consumeEvent<Payload>(
  bus: EventBus,
  type: DurableEventType<Payload>,
  durableName: string,
  handler: EventHandler<Payload>,
): Promise<BusSubscription> {
  return bus.consumeDurable(type.pattern, durableName, parsed(type, handler));
}
