import { connect, Events, type JetStreamManager, type NatsConnection } from 'nats';
import {
  BusClosedError,
  BusUnavailableError,
  NotDurableSubjectError,
  type BusErrorHandler,
  type BusOptions,
  type BusSubscription,
  type EventBus,
  type RetryBackoff,
} from './event-bus.js';
import { busMessage, ignoreBusError, invokeCoreHandler, reportBusError } from './dispatch.js';
import { attachDurableConsumer, type DurableAttachment } from './nats-consumer.js';
import { fromNatsHeaders, msgIdHeader, toNatsHeaders } from './nats-headers.js';
import { ensureConsumer, ensureStream } from './nats-jetstream.js';
import { assertMsgId, decodePayload, encodePayload } from './payload.js';
import {
  assertDurableName,
  assertSubject,
  assertSubjectPattern,
  durableSubjectPatterns,
  isDurableSubject,
  subjectToken,
} from './subjects.js';

/** Options of the NATS bus. */
export interface NatsBusOptions extends BusOptions {
  /** Server URL(s), e.g. `nats://nats:4222`. */
  readonly url: string;
  /** The JetStream stream holding `durableSubjects`. @default 'GUARDYN' */
  readonly streamName?: string;
  /** Connection name shown by the server's monitoring (e.g. the service name). */
  readonly name?: string;
  /** How long a delivered durable message may stay unacked before redelivery. @default 30_000 */
  readonly ackWaitMs?: number;
  /** Durable messages older than this are dropped from the stream. @default 86_400_000 (a day) */
  readonly maxAgeMs?: number;
  /** Durable messages pulled ahead of the handler per consumer. @default 16 */
  readonly prefetch?: number;
  /** Connect timeout. @default 20_000 */
  readonly connectTimeoutMs?: number;
  /**
   * Puts every subject under `<namespace>.` on the wire and uses the stream
   * `<streamName>_<namespace>`, so that several Guardyn deployments (or test runs) can share one
   * NATS server without seeing each other's events. Subjects on the bus API are unchanged.
   */
  readonly namespace?: string;
}

const defaultRetry: RetryBackoff = { initialMs: 1_000, maxMs: 60_000 };
const encoder = new TextEncoder();
const decoder = new TextDecoder();

/**
 * Connects to NATS and makes sure the stream exists (idempotently, so that several processes may
 * start at once); rejects when the server cannot be reached or refuses the stream. Core messages
 * use core NATS; durable ones JetStream, with `msgId` sent as `Nats-Msg-Id`. The client
 * reconnects forever; errors it cannot throw go to `onError`.
 */
export async function createNatsBus(options: NatsBusOptions): Promise<EventBus> {
  const { namespace } = options;
  if (namespace !== undefined) subjectToken(namespace);
  const streamName = `${options.streamName ?? 'GUARDYN'}${namespace === undefined ? '' : `_${namespace}`}`;
  const durableSubjects = options.durableSubjects ?? durableSubjectPatterns;
  const toWire = (subject: string) =>
    namespace === undefined ? subject : `${namespace}.${subject}`;
  const fromWire = (wireSubject: string) =>
    namespace === undefined ? wireSubject : wireSubject.slice(namespace.length + 1);
  const onError = options.onError ?? ignoreBusError;
  const ackWaitMs = options.ackWaitMs ?? 30_000;

  const nc = await connect({
    servers: options.url,
    maxReconnectAttempts: -1,
    timeout: options.connectTimeoutMs ?? 20_000,
    ...(options.name === undefined ? {} : { name: options.name }),
  });
  let jsm: JetStreamManager;
  try {
    jsm = await nc.jetstreamManager();
    await ensureStream(jsm, {
      name: streamName,
      subjects: durableSubjects.map(toWire),
      duplicateWindowMs: options.duplicateWindowMs ?? 120_000,
      maxAgeMs: options.maxAgeMs ?? 86_400_000,
    });
  } catch (error) {
    await nc.close();
    throw error;
  }
  const link = watchConnection(nc, onError);

  const js = nc.jetstream();
  /** `unsubscribe` of every live core subscription. */
  const subscriptionStops = new Set<() => void>();
  const attachments = new Set<DurableAttachment>();
  let closing: Promise<void> | undefined;

  function assertOpen(): void {
    if (closing !== undefined || nc.isClosed()) throw new BusClosedError();
  }

  async function shutdown(): Promise<void> {
    for (const stop of subscriptionStops) stop();
    await Promise.all([...attachments].map((attachment) => attachment.stop()));
    attachments.clear();
    if (!nc.isClosed()) await nc.drain();
  }

  return {
    async publish(subject, data, options) {
      assertOpen();
      assertSubject(subject);
      const headers = toNatsHeaders(options?.headers);
      nc.publish(toWire(subject), encoder.encode(encodePayload(data)), headers && { headers });
    },

    subscribe(subjectPattern, handler): BusSubscription {
      assertOpen();
      assertSubjectPattern(subjectPattern);
      let active = true;
      const subscription = nc.subscribe(toWire(subjectPattern), {
        callback: (error, message) => {
          if (error !== null) {
            reportBusError(onError, error, { kind: 'connection', subject: subjectPattern });
            return;
          }
          if (!active) return;
          let data: unknown;
          try {
            data = decodePayload(decoder.decode(message.data));
          } catch (decodeError) {
            reportBusError(onError, decodeError, { kind: 'decode', subject: message.subject });
            return;
          }
          const msgId = message.headers?.get(msgIdHeader) || undefined;
          const subject = fromWire(message.subject);
          const headers = fromNatsHeaders(message.headers);
          invokeCoreHandler(handler, busMessage(subject, data, msgId, headers), onError);
        },
      });
      const unsubscribe = (): void => {
        if (!active) return;
        active = false;
        subscriptionStops.delete(unsubscribe);
        if (!subscription.isClosed()) subscription.unsubscribe();
      };
      subscriptionStops.add(unsubscribe);
      return { unsubscribe };
    },

    async publishDurable(subject, data, { msgId, headers, timeoutMs }) {
      assertOpen();
      if (link.down !== undefined) throw new BusUnavailableError();
      assertSubject(subject);
      assertMsgId(msgId);
      if (!isDurableSubject(durableSubjects, subject)) {
        throw new NotDurableSubjectError(subject, durableSubjects);
      }
      // A duplicate is acknowledged (`duplicate: true`) without being stored again.
      const natsHeaders = toNatsHeaders(headers);
      await js.publish(toWire(subject), encoder.encode(encodePayload(data)), {
        msgID: msgId,
        ...(timeoutMs !== undefined && { timeout: timeoutMs }),
        ...(natsHeaders && { headers: natsHeaders }),
      });
    },

    async consumeDurable(subjectPattern, durableName, handler) {
      assertOpen();
      assertSubjectPattern(subjectPattern);
      assertDurableName(durableName);
      if (!isDurableSubject(durableSubjects, subjectPattern)) {
        throw new NotDurableSubjectError(subjectPattern, durableSubjects);
      }
      await ensureConsumer(jsm, {
        stream: streamName,
        durableName,
        filterSubject: toWire(subjectPattern),
        ackWaitMs,
        maxDeliver: options.maxDeliver ?? 10,
      });
      const consumer = await js.consumers.get(streamName, durableName);
      assertOpen(); // close() may have started while we were talking to the server
      const attachment = await attachDurableConsumer(consumer, {
        durableName,
        handler,
        ackWaitMs,
        maxDeliver: options.maxDeliver ?? 10,
        retry: options.retry ?? defaultRetry,
        prefetch: options.prefetch ?? 16,
        onError,
        fromWire,
      });
      attachments.add(attachment);
      return {
        unsubscribe() {
          // Stops delivery now; close() still waits for a handler that is running.
          void attachment.stop().then(() => attachments.delete(attachment));
        },
      };
    },

    connection() {
      if (closing !== undefined || nc.isClosed()) return { up: false, detail: 'closed' };
      return link.down === undefined ? { up: true } : { up: false, detail: link.down };
    },

    close() {
      closing ??= shutdown();
      return closing;
    },
  };
}

/**
 * Reports asynchronous server errors (e.g. a permissions violation) and an abnormal close, and
 * follows disconnects and reconnects: `down` says why the bus is down, undefined while it is up.
 */
function watchConnection(nc: NatsConnection, onError: BusErrorHandler): { down?: string } {
  const link: { down?: string } = {};
  void (async () => {
    for await (const status of nc.status()) {
      if (status.type === Events.Error) {
        reportBusError(onError, status.data, { kind: 'connection' });
      } else if (status.type === Events.Disconnect) {
        link.down = `disconnected from ${String(status.data)}, reconnecting`;
      } else if (status.type === Events.Reconnect) {
        delete link.down;
      }
    }
  })();
  void nc.closed().then((error) => {
    if (error) reportBusError(onError, error, { kind: 'connection' });
  });
  return link;
}
