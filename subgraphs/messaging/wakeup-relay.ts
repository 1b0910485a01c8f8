/**
 * Publishes the wake-ups the bus did not take when they were stored (wakeups.ts keeps them in the
 * store's outbox). Every messaging replica runs one: a wake-up published twice is harmless (the
 * durable one is deduplicated by envelope id within the bus's window, sockets deduplicate by
 * envelope id, and push collapses wake-ups per device), so replicas need not agree on who sends.
 */
import type { EventBus } from '../../shared/bus/index.js';
import type { Logger } from '../../shared/logging/index.js';
import { backoffMs, fullJitter, type Backoff } from '../../shared/retry/index.js';
import { recordWakeupOutboxSize } from '../../shared/telemetry/index.js';
import type { WakeupOutboxStore } from './store.js';
import { publishWakeup } from './wakeups.js';

export interface WakeupRelayOptions {
  /** Between passes while the outbox is empty or drained. @default 5_000 */
  readonly idleMs?: number;
  /** After a pass that could not publish (or read): exponential, with jitter. */
  readonly failureBackoff?: Backoff;
  /** Wake-ups read and published per pass. @default 200 */
  readonly batchSize?: number;
  readonly now?: () => Date;
}

const defaultBackoff: Backoff = { initialMs: 1_000, maxMs: 30_000 };

export class WakeupRelay {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private failures = 0;
  private stopped = false;

  constructor(
    private readonly outbox: WakeupOutboxStore,
    private readonly bus: EventBus,
    private readonly logger: Logger,
    private readonly options: WakeupRelayOptions = {},
  ) {}

  /** Starts the passes: one now, then every `idleMs`, or sooner while a batch was full. */
  start(): void {
    this.schedule(0);
  }

  /** Stops scheduling, and waits for a pass that is running. */
  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await this.running;
  }

  /**
   * One pass: publishes a batch of kept wake-ups and drops those the bus took. Resolves with how
   * many were published and whether any failed; never rejects.
   */
  async pass(): Promise<{ published: number; failed: number; more: boolean }> {
    const batchSize = this.options.batchSize ?? 200;
    const kept = await this.outbox.keptWakeups(batchSize, this.options.now?.() ?? new Date());
    const outcomes = await Promise.allSettled(
      kept.map((wakeup) => publishWakeup(this.bus, wakeup)),
    );
    const published = kept.filter((_, index) => outcomes[index]?.status === 'fulfilled');
    await this.outbox.dropWakeups(published.map((wakeup) => wakeup.envelopeId));
    const failed = kept.length - published.length;
    recordWakeupOutboxSize(kept.length === 0 ? 0 : await this.outbox.countKeptWakeups());
    return { published: published.length, failed, more: kept.length === batchSize };
  }

  private schedule(delayMs: number): void {
    if (this.stopped || this.running) return;
    clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.running = this.run().finally(() => {
        this.running = undefined;
      });
    }, delayMs);
    this.timer.unref();
  }

  private async run(): Promise<void> {
    let next = this.options.idleMs ?? 5_000;
    try {
      const { published, failed, more } = await this.pass();
      if (published > 0) this.logger.info({ published }, 'kept wake-ups published');
      if (failed > 0) throw new Error(`${failed} kept wake-up(s) not published`);
      this.failures = 0;
      if (more) next = 0;
    } catch (error) {
      this.failures++;
      next = fullJitter(backoffMs(this.options.failureBackoff ?? defaultBackoff, this.failures));
      this.logger.warn({ err: error, retryInMs: Math.round(next) }, 'wake-up relay pass failed');
    }
    this.running = undefined;
    this.schedule(next);
  }
}
