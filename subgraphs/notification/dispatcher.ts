import type { Logger } from '../../shared/logging/index.js';
import { backoffMs } from '../../shared/retry/index.js';
import { countPush } from '../../shared/telemetry/index.js';
import type { PushOutcome, PushProvider } from './push-provider.js';
import type { PushPlatform } from './store.js';

/** One wake-up to send. */
export interface PushJob {
  readonly userId: string;
  readonly deviceId: number;
  readonly platform: PushPlatform;
  readonly token: string;
}

/** Retries of a push the provider could not take now (5xx, 429, network). */
export interface RetryPolicy {
  /** Delay before the second attempt; doubles for each further one. @default 1000 */
  readonly initialMs: number;
  /** Longest backoff delay. @default 60_000 */
  readonly maxMs: number;
  /** Attempts in all, the first included. @default 6 */
  readonly maxAttempts: number;
  /** A provider's Retry-After is honoured up to this long. @default 600_000 */
  readonly maxRetryAfterMs: number;
}

export const defaultRetryPolicy: RetryPolicy = {
  initialMs: 1_000,
  maxMs: 60_000,
  maxAttempts: 6,
  maxRetryAfterMs: 600_000,
};

export interface PushDispatcherOptions {
  readonly retry?: Partial<RetryPolicy>;
  /** Sends in flight at once; `dispatch` waits while all are busy. @default 32 */
  readonly concurrency?: number;
  /** Source of jitter in [0, 1). @default Math.random */
  readonly random?: () => number;
}

/** What the dispatcher reports back to the service. */
export interface DispatcherHooks {
  /** The provider called the token invalid: remove it. */
  tokenInvalid(job: PushJob, reason: string): Promise<void>;
}

const deviceKey = (job: PushJob) => `${job.userId}:${job.deviceId}`;

/**
 * Sends wake-ups through the providers, off the bus consumer's path: `dispatch` returns once a
 * send has started, and retries wait on timers, with exponential backoff and jitter (or the
 * provider's Retry-After, when it gives one), so one device's backoff never holds up another's
 * wake-up. A device has at most one push pending: a later job for it only updates the token.
 */
export class PushDispatcher {
  private readonly policy: RetryPolicy;
  private readonly concurrency: number;
  private readonly random: () => number;
  /** Devices with a push pending or in flight, with their newest job. */
  private readonly pending = new Map<string, PushJob>();
  private readonly deliveries = new Set<Promise<void>>();
  private readonly sleepers = new Set<() => void>();
  private readonly slotWaiters: (() => void)[] = [];
  private inFlight = 0;
  private stopped = false;

  constructor(
    private readonly providers: ReadonlyMap<PushPlatform, PushProvider>,
    private readonly hooks: DispatcherHooks,
    private readonly logger: Logger,
    options: PushDispatcherOptions = {},
  ) {
    this.policy = { ...defaultRetryPolicy, ...options.retry };
    this.concurrency = options.concurrency ?? 32;
    this.random = options.random ?? Math.random;
  }

  /** Whether wake-ups for this platform can be sent (its provider is configured). */
  supports(platform: PushPlatform): boolean {
    return this.providers.has(platform);
  }

  /** Starts sending `job` (waiting for a free send slot); absorbed if the device has one pending. */
  async dispatch(job: PushJob): Promise<void> {
    if (this.stopped) return;
    const key = deviceKey(job);
    const alreadyPending = this.pending.has(key);
    this.pending.set(key, job);
    if (alreadyPending) return;
    await this.acquireSlot();
    const delivery = this.deliver(key).finally(() => {
      this.pending.delete(key);
      this.deliveries.delete(delivery);
    });
    this.deliveries.add(delivery);
  }

  /** Cancels waiting retries and resolves once the sends in flight have finished. */
  async stop(): Promise<void> {
    this.stopped = true;
    for (const wake of [...this.sleepers]) wake();
    for (const release of this.slotWaiters.splice(0)) release();
    await Promise.all([...this.deliveries]);
  }

  /** Runs one device's attempts; the first holds the slot `dispatch` acquired. */
  private async deliver(key: string): Promise<void> {
    for (let attempt = 1; ; attempt++) {
      if (attempt > 1) await this.acquireSlot();
      const job = this.pending.get(key);
      let outcome: PushOutcome;
      try {
        if (this.stopped || !job) return;
        outcome = await this.send(job);
        countPush(job.platform, outcome.kind);
      } finally {
        this.releaseSlot();
      }
      const context = {
        userId: job.userId,
        deviceId: job.deviceId,
        platform: job.platform,
        attempt,
      };
      if (outcome.kind === 'sent') {
        this.logger.debug(context, 'wake-up push sent');
        return;
      }
      if (outcome.kind === 'invalid-token') {
        this.logger.info({ ...context, reason: outcome.reason }, 'push token invalid; removing it');
        await this.hooks.tokenInvalid(job, outcome.reason).catch((error: unknown) => {
          this.logger.error({ ...context, err: error }, 'removing an invalid push token failed');
        });
        return;
      }
      if (outcome.kind === 'failed' || attempt >= this.policy.maxAttempts) {
        this.logger.warn({ ...context, reason: outcome.reason }, 'wake-up push given up');
        return;
      }
      const delayMs = this.retryDelayMs(attempt, outcome.retryAfterMs);
      this.logger.debug({ ...context, reason: outcome.reason, delayMs }, 'wake-up push retry');
      if (!(await this.sleep(delayMs))) return;
    }
  }

  private async send(job: PushJob): Promise<PushOutcome> {
    const provider = this.providers.get(job.platform);
    if (!provider) return { kind: 'failed', reason: `${job.platform} is not configured` };
    try {
      return await provider.sendWakeUp(job.token);
    } catch (error) {
      // Providers report failures as outcomes; anything thrown is unexpected but may pass.
      return { kind: 'retry', reason: error instanceof Error ? error.message : String(error) };
    }
  }

  /** Backoff `initialMs * 2^(attempt - 1)` up to `maxMs`, ±20 % jitter; Retry-After if longer. */
  retryDelayMs(attempt: number, retryAfterMs?: number): number {
    const backoff = backoffMs(this.policy, attempt);
    const jittered = Math.round(backoff * (0.8 + 0.4 * this.random()));
    const asked = Math.min(retryAfterMs ?? 0, this.policy.maxRetryAfterMs);
    return Math.max(jittered, asked);
  }

  /** Resolves true after `ms`, or false at once when the dispatcher stops. */
  private sleep(ms: number): Promise<boolean> {
    if (this.stopped) return Promise.resolve(false);
    return new Promise((resolve) => {
      const done = (completed: boolean) => {
        clearTimeout(timer);
        this.sleepers.delete(wake);
        resolve(completed);
      };
      const wake = () => done(false);
      const timer = setTimeout(() => done(!this.stopped), ms);
      this.sleepers.add(wake);
    });
  }

  private async acquireSlot(): Promise<void> {
    if (this.inFlight < this.concurrency || this.stopped) {
      this.inFlight += 1;
      return;
    }
    // Woken by releaseSlot, which hands its slot over without giving it back first.
    await new Promise<void>((resolve) => this.slotWaiters.push(resolve));
  }

  private releaseSlot(): void {
    const next = this.slotWaiters.shift();
    if (next) next();
    else this.inFlight -= 1;
  }
}
