import {
  BusClosedError,
  DurableConsumerConflictError,
  NotDurableSubjectError,
  type BusHandler,
  type BusOptions,
  type BusSubscription,
  type EventBus,
  type RetryBackoff,
} from './event-bus.js';
import { busMessage, ignoreBusError, invokeCoreHandler } from './dispatch.js';
import { DurableLog } from './durable-log.js';
import { DurableConsumer } from './in-process-durable.js';
import { assertMsgId, decodePayload, encodePayload } from './payload.js';
import {
  assertDurableName,
  assertSubject,
  assertSubjectPattern,
  durableSubjectPatterns,
  isDurableSubject,
  subjectMatches,
} from './subjects.js';

/** Options of the embedded bus. */
export interface InProcessBusOptions extends BusOptions {
  /**
   * Durable messages kept (oldest dropped first); a new consumer starts at the oldest kept one.
   * @default 10_000
   */
  readonly maxDurableMessages?: number;
}

type Headers = Readonly<Record<string, string>>;

/** Small by default so that tests and embedded runs retry quickly. */
const defaultRetry: RetryBackoff = { initialMs: 50, maxMs: 5_000 };

interface CoreSubscription {
  readonly pattern: string;
  readonly handler: BusHandler;
  active: boolean;
}

/**
 * The embedded bus, for a single process (and tests): same contract as NATS, nothing survives
 * `close()`. Payloads are JSON-encoded on publish and decoded per delivery, exactly as on the wire.
 *
 * Core messages are delivered on a later tick (`setImmediate`), never inside `publish`, to the
 * subscriptions active at publish time that are still active at delivery. Durable messages go to a
 * bounded log (see `InProcessBusOptions`); a core publish on a durable subject is stored too, as
 * a JetStream stream would.
 */
export function createInProcessBus(options: InProcessBusOptions = {}): EventBus {
  const durableSubjects = options.durableSubjects ?? durableSubjectPatterns;
  const onError = options.onError ?? ignoreBusError;
  const log = new DurableLog({
    maxMessages: options.maxDurableMessages ?? 10_000,
    duplicateWindowMs: options.duplicateWindowMs ?? 120_000,
  });
  const subscriptions = new Set<CoreSubscription>();
  const consumers = new Map<string, DurableConsumer>();
  let closing: Promise<void> | undefined;

  function assertOpen(): void {
    if (closing !== undefined) throw new BusClosedError();
  }

  function deliverCore(
    subject: string,
    json: string,
    msgId: string | undefined,
    headers: Headers | undefined,
  ): void {
    const targets = [...subscriptions].filter((sub) => subjectMatches(sub.pattern, subject));
    if (targets.length === 0) return;
    setImmediate(() => {
      for (const target of targets) {
        if (!target.active) continue;
        const data = decodePayload(json);
        invokeCoreHandler(target.handler, busMessage(subject, data, msgId, headers), onError);
      }
    });
  }

  function store(
    subject: string,
    json: string,
    msgId: string | undefined,
    headers: Headers | undefined,
  ): void {
    if (!log.append(subject, json, msgId, headers)) return;
    for (const consumer of consumers.values()) consumer.wake();
  }

  async function shutdown(): Promise<void> {
    for (const subscription of subscriptions) subscription.active = false;
    subscriptions.clear();
    await Promise.all([...consumers.values()].map((consumer) => consumer.stop()));
  }

  return {
    async publish(subject, data, options) {
      assertOpen();
      assertSubject(subject);
      const json = encodePayload(data);
      const headers = options?.headers;
      if (isDurableSubject(durableSubjects, subject)) store(subject, json, undefined, headers);
      deliverCore(subject, json, undefined, headers);
    },

    subscribe(subjectPattern, handler) {
      assertOpen();
      assertSubjectPattern(subjectPattern);
      const subscription: CoreSubscription = { pattern: subjectPattern, handler, active: true };
      subscriptions.add(subscription);
      return {
        unsubscribe() {
          subscription.active = false;
          subscriptions.delete(subscription);
        },
      };
    },

    async publishDurable(subject, data, { msgId, headers }) {
      assertOpen();
      assertSubject(subject);
      assertMsgId(msgId);
      if (!isDurableSubject(durableSubjects, subject)) {
        throw new NotDurableSubjectError(subject, durableSubjects);
      }
      const json = encodePayload(data);
      store(subject, json, msgId, headers);
      // In NATS core subscribers see every publish on their subject, duplicates included.
      deliverCore(subject, json, msgId, headers);
    },

    async consumeDurable(subjectPattern, durableName, handler): Promise<BusSubscription> {
      assertOpen();
      assertSubjectPattern(subjectPattern);
      assertDurableName(durableName);
      if (!isDurableSubject(durableSubjects, subjectPattern)) {
        throw new NotDurableSubjectError(subjectPattern, durableSubjects);
      }
      let consumer = consumers.get(durableName);
      if (consumer === undefined) {
        consumer = new DurableConsumer({
          name: durableName,
          pattern: subjectPattern,
          log,
          retry: options.retry ?? defaultRetry,
          maxDeliver: options.maxDeliver ?? 10,
          onError,
        });
        consumers.set(durableName, consumer);
      }
      if (consumer.pattern !== subjectPattern) {
        throw new DurableConsumerConflictError(durableName, consumer.pattern, subjectPattern);
      }
      return consumer.attach(handler);
    },

    connection() {
      return closing === undefined ? { up: true } : { up: false, detail: 'closed' };
    },

    close() {
      closing ??= shutdown();
      return closing;
    },
  };
}
