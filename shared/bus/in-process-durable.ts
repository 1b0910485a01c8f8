/**
 * The embedded durable consumer. Kept rather than a library: it reproduces JetStream's contract
 * (ack on resolve, backoff redelivery, maxDeliver, a position per name) in process, so the embedded
 * mode and the tests behave as NATS does; no package does that.
 */
import {
  RedeliverLaterError,
  type BusErrorHandler,
  type BusHandler,
  type BusMessage,
  type BusSubscription,
  type RetryBackoff,
} from './event-bus.js';
import { backoffMs } from '../retry/index.js';
import { busMessage, reportBusError } from './dispatch.js';
import { decodePayload } from './payload.js';
import type { DurableLog, StoredMessage } from './durable-log.js';

/** How an in-process durable consumer delivers and retries. */
export interface DurableConsumerOptions {
  readonly name: string;
  readonly pattern: string;
  readonly log: DurableLog;
  readonly retry: RetryBackoff;
  readonly maxDeliver: number;
  readonly onError: BusErrorHandler;
}

interface Attachment {
  readonly handler: BusHandler;
}

interface PendingRetry {
  readonly deliveries: number;
  readonly dueAt: number;
}

/**
 * One named durable consumer. Its position (the next new message and the failed ones awaiting
 * redelivery) outlives its attachments, so re-attaching with the same name resumes. One runner
 * delivers one message at a time, to the attached handlers in turn.
 */
export class DurableConsumer {
  readonly name: string;
  readonly pattern: string;
  readonly #options: DurableConsumerOptions;
  readonly #attachments: Attachment[] = [];
  readonly #retries = new Map<number, PendingRetry>();
  readonly #wakeup = new Wakeup();
  #nextSeq = 1;
  #turn = 0;
  #running = false;
  #runner: Promise<void> = Promise.resolve();

  constructor(options: DurableConsumerOptions) {
    this.#options = options;
    this.name = options.name;
    this.pattern = options.pattern;
  }

  /** Attaches a handler; delivery starts on a later tick, never inside this call. */
  attach(handler: BusHandler): BusSubscription {
    const attachment: Attachment = { handler };
    this.#attachments.push(attachment);
    if (!this.#running) {
      this.#running = true;
      this.#runner = this.#run();
    }
    return {
      unsubscribe: () => {
        const index = this.#attachments.indexOf(attachment);
        if (index === -1) return;
        this.#attachments.splice(index, 1);
        this.#wakeup.wake();
      },
    };
  }

  /** Tells an idle runner that the log has grown. */
  wake(): void {
    this.#wakeup.wake();
  }

  /** Detaches every handler and resolves once the running handler (if any) has settled. */
  async stop(): Promise<void> {
    this.#attachments.length = 0;
    this.#wakeup.wake();
    await this.#runner;
  }

  async #run(): Promise<void> {
    // Start on a later tick so that no handler runs inside consumeDurable().
    await new Promise<void>((resolve) => setImmediate(resolve));
    try {
      while (this.#attachments.length > 0) {
        const attachment = this.#attachments[this.#turn % this.#attachments.length];
        const now = Date.now();
        const next = attachment && (this.#takeDueRetry(now) ?? this.#takeNew());
        if (attachment === undefined || next === undefined) {
          await this.#wakeup.wait(this.#nextDueInMs(now));
          continue;
        }
        this.#turn += 1;
        await this.#deliver(attachment, next.message, next.deliveries + 1);
      }
    } finally {
      // Synchronous with the loop's last check, so attach() never sees a runner that is leaving.
      this.#running = false;
    }
  }

  #takeDueRetry(now: number): { message: StoredMessage; deliveries: number } | undefined {
    for (const [seq, retry] of [...this.#retries].sort(([a], [b]) => a - b)) {
      const message = this.#options.log.get(seq);
      if (message === undefined) {
        this.#retries.delete(seq); // dropped from the bounded log meanwhile
        continue;
      }
      if (retry.dueAt <= now) {
        this.#retries.delete(seq);
        return { message, deliveries: retry.deliveries };
      }
    }
    return undefined;
  }

  #takeNew(): { message: StoredMessage; deliveries: number } | undefined {
    const message = this.#options.log.next(this.#nextSeq, this.pattern);
    if (message === undefined) return undefined;
    this.#nextSeq = message.seq + 1;
    return { message, deliveries: 0 };
  }

  #nextDueInMs(now: number): number | undefined {
    let earliest: number | undefined;
    for (const { dueAt } of this.#retries.values()) {
      earliest = earliest === undefined ? dueAt : Math.min(earliest, dueAt);
    }
    return earliest === undefined ? undefined : Math.max(0, earliest - now);
  }

  async #deliver(attachment: Attachment, stored: StoredMessage, deliveryCount: number) {
    const { maxDeliver, retry, onError } = this.#options;
    const message: BusMessage = {
      ...busMessage(stored.subject, decodePayload(stored.json), stored.msgId, stored.headers),
      deliveryCount,
    };
    try {
      await attachment.handler(message);
    } catch (error) {
      const context = { subject: stored.subject, durableName: this.name, deliveryCount };
      if (deliveryCount >= maxDeliver) {
        reportBusError(onError, error, { kind: 'durable-gave-up', ...context });
        return;
      }
      const chosen = error instanceof RedeliverLaterError;
      const dueAt = Date.now() + (chosen ? error.delayMs : backoffMs(retry, deliveryCount));
      this.#retries.set(stored.seq, { deliveries: deliveryCount, dueAt });
      if (!chosen) reportBusError(onError, error, { kind: 'durable-handler', ...context });
    }
  }
}

/** A one-shot alarm: `wait` resolves on `wake()` or after the timeout, whichever comes first. */
class Wakeup {
  #wake: (() => void) | undefined;

  wait(timeoutMs: number | undefined): Promise<void> {
    return new Promise((resolve) => {
      let timer: NodeJS.Timeout | undefined;
      const done = (): void => {
        clearTimeout(timer);
        this.#wake = undefined;
        resolve();
      };
      if (timeoutMs !== undefined) timer = setTimeout(done, timeoutMs);
      this.#wake = done;
    });
  }

  wake(): void {
    this.#wake?.();
  }
}
