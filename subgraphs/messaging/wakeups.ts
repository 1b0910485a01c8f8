/**
 * Waking recipients after their envelopes are stored: delivery.ts, sealed-delivery.ts and
 * service.ts (receipts) → here (`guardyn.mailbox` core hint, `guardyn.push` durable) → on a bus
 * failure, the store's wake-up outbox → wakeup-relay.ts, which publishes them when the bus is back.
 * The store is the truth and the bus only wakes: a send whose envelopes are stored succeeds,
 * whatever the bus does.
 */
import {
  mailboxEvent,
  membershipEvent,
  publishDurableEvent,
  publishEvent,
  pushEvent,
  type EventBus,
  type MembershipEvent,
} from '../../shared/bus/index.js';
import type { Logger } from '../../shared/logging/index.js';
import type { MessagingEvents } from './events.js';
import type { EnvelopeRecord, Wakeup, WakeupOutboxStore } from './store.js';

/**
 * How long a send waits for the bus to store a durable wake-up before keeping it in the outbox
 * instead (a connection known to be down is not waited for at all).
 */
export const wakeupPublishTimeoutMs = 2_000;

/** Publishes one wake-up: the core hint to sockets and the durable one to push (deduplicated). */
export async function publishWakeup(
  bus: EventBus,
  { userId, deviceId, envelopeId }: Wakeup,
  timeoutMs: number = wakeupPublishTimeoutMs,
): Promise<void> {
  const stored = { userId, deviceId, envelopeId };
  await Promise.all([
    publishEvent(bus, mailboxEvent, stored),
    publishDurableEvent(bus, pushEvent, stored, { msgId: envelopeId, timeoutMs }),
  ]);
}

const wakeupOf = (envelope: EnvelopeRecord, createdAt: Date): Wakeup => ({
  envelopeId: envelope.id,
  userId: envelope.recipientUserId,
  deviceId: envelope.recipientDeviceId,
  createdAt,
});

export interface WakeupEventsOptions {
  readonly bus: EventBus;
  /** Where wake-ups the bus did not take are kept for the relay. */
  readonly outbox: WakeupOutboxStore;
  readonly logger: Logger;
  readonly now?: () => Date;
}

/**
 * The MessagingEvents messaging publishes on the bus. `envelopesStored` never fails a send: each
 * wake-up the bus does not take (refused, down, or not stored within `wakeupPublishTimeoutMs`)
 * is kept in the outbox. Should that write fail too, the wake-up is logged as lost: the envelope
 * is stored, and a socket still finds it on its next mailbox read (the 30 s poll).
 */
export function wakeupEvents(options: WakeupEventsOptions): MessagingEvents {
  const { bus, outbox, logger } = options;
  const now = options.now ?? (() => new Date());
  return {
    async envelopesStored(envelopes) {
      const createdAt = now();
      const wakeups = envelopes.map((envelope) => wakeupOf(envelope, createdAt));
      const outcomes = await Promise.allSettled(
        wakeups.map((wakeup) => publishWakeup(bus, wakeup)),
      );
      const unpublished = wakeups.filter((_, index) => outcomes[index]?.status === 'rejected');
      if (unpublished.length === 0) return;
      const reason = outcomes.find((outcome) => outcome.status === 'rejected');
      // Debug: during an outage every send comes here; the relay warns once per failed pass.
      logger.debug(
        {
          err: reason?.status === 'rejected' ? reason.reason : undefined,
          count: unpublished.length,
        },
        'wake-ups not published: kept in the outbox',
      );
      try {
        await outbox.keepWakeups(unpublished);
      } catch (error) {
        logger.error(
          { err: error, count: unpublished.length },
          'wake-ups lost: outbox write failed',
        );
      }
    },
    async membershipChanged(change: MembershipEvent) {
      await publishEvent(bus, membershipEvent, change).catch((error: unknown) =>
        logger.warn({ err: error }, 'membership change not published'),
      );
    },
  };
}
