import type { Consumer, JsMsg } from 'nats';
import {
  RedeliverLaterError,
  type BusErrorContext,
  type BusErrorHandler,
  type BusHandler,
  type BusSubscription,
  type RetryBackoff,
} from './event-bus.js';
import { backoffMs } from '../retry/index.js';
import { busMessage, reportBusError } from './dispatch.js';
import { fromNatsHeaders, msgIdHeader } from './nats-headers.js';
import { decodePayload } from './payload.js';

const decoder = new TextDecoder();

/** How one attachment handles its messages. */
export interface DurableAttachmentOptions {
  readonly durableName: string;
  readonly handler: BusHandler;
  readonly ackWaitMs: number;
  readonly maxDeliver: number;
  readonly retry: RetryBackoff;
  /** Messages pulled ahead of the handler; they age against ack wait while they wait. */
  readonly prefetch: number;
  readonly onError: BusErrorHandler;
  /** Maps a subject on the wire back to the bus subject (see NatsBusOptions.namespace). */
  readonly fromWire?: (wireSubject: string) => string;
}

/** A running attachment: `subscription` for the caller, `stop` for the bus's `close()`. */
export interface DurableAttachment {
  readonly subscription: BusSubscription;
  /** Stops delivery and resolves once the running handler has settled its message. */
  stop(): Promise<void>;
}

/**
 * Pulls from an existing durable consumer and hands messages to the handler one at a time:
 * ack when it resolves, `nak(backoff)` when it throws, `term` after the last allowed delivery or
 * for a payload that is not JSON. While the handler runs, `working()` keeps the ack wait from
 * expiring. Messages already pulled when delivery stops are nak'ed for prompt redelivery.
 */
export async function attachDurableConsumer(
  consumer: Consumer,
  options: DurableAttachmentOptions,
): Promise<DurableAttachment> {
  const { durableName, onError } = options;
  const messages = await consumer.consume({ max_messages: options.prefetch });
  let active = true;

  const settle = (action: () => void, context: BusErrorContext): void => {
    try {
      action();
    } catch (error) {
      reportBusError(onError, error, { ...context, kind: 'consumer' });
    }
  };

  const handle = async (message: JsMsg): Promise<void> => {
    const deliveryCount = message.info.deliveryCount;
    const subject = options.fromWire?.(message.subject) ?? message.subject;
    const context = { subject, durableName, deliveryCount };
    let data: unknown;
    try {
      data = decodePayload(decoder.decode(message.data));
    } catch (error) {
      reportBusError(onError, error, { kind: 'decode', ...context });
      settle(() => message.term(), { kind: 'consumer', ...context });
      return;
    }
    const msgId = message.headers?.get(msgIdHeader) || undefined;
    const heartbeat = setInterval(
      () => settle(() => message.working(), { kind: 'consumer', ...context }),
      Math.max(50, options.ackWaitMs / 2),
    );
    try {
      await options.handler({
        ...busMessage(subject, data, msgId, fromNatsHeaders(message.headers)),
        pending: message.info.pending,
        deliveryCount,
      });
      settle(() => message.ack(), { kind: 'consumer', ...context });
    } catch (error) {
      if (deliveryCount >= options.maxDeliver) {
        settle(() => message.term(), { kind: 'consumer', ...context });
        reportBusError(onError, error, { kind: 'durable-gave-up', ...context });
      } else if (error instanceof RedeliverLaterError) {
        settle(() => message.nak(error.delayMs), { kind: 'consumer', ...context });
      } else {
        const delay = backoffMs(options.retry, deliveryCount);
        settle(() => message.nak(delay), { kind: 'consumer', ...context });
        reportBusError(onError, error, { kind: 'durable-handler', ...context });
      }
    } finally {
      clearInterval(heartbeat);
    }
  };

  const run = async (): Promise<void> => {
    try {
      for await (const message of messages) {
        if (active) {
          await handle(message);
        } else {
          settle(() => message.nak(), { kind: 'consumer', subject: message.subject, durableName });
        }
      }
    } catch (error) {
      reportBusError(onError, error, { kind: 'consumer', durableName });
    }
  };
  const done = run();

  const stopDelivery = (): void => {
    if (!active) return;
    active = false;
    messages.stop();
  };
  return {
    subscription: { unsubscribe: stopDelivery },
    async stop() {
      stopDelivery();
      await done;
    },
  };
}
