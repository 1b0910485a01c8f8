import type { Logger } from '../../shared/logging/index.js';
import { backoffMs } from '../../shared/retry/index.js';
import { countPush } from '../../shared/telemetry/index.js';
import type { PushProvider } from './push-provider.js';
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
  /** Source of jitter in [0, 1). @default Math.random */
  readonly random?: () => number;
}

/** What the dispatcher reports back to the service. */
export interface DispatcherHooks {
  /** The provider called the token invalid: remove it. */
  tokenInvalid(job: PushJob, reason: string): Promise<void>;
}

/** What came of one attempt: settled (`sent`, `invalid-token`, `given-up`) or to be retried. */
export type AttemptResult =
  | { readonly kind: 'sent' | 'invalid-token' | 'given-up' }
  | { readonly kind: 'retry'; readonly delayMs: number };

/**
 * Sends wake-ups through the providers, one attempt per call: the retries are the bus's
 * redeliveries of the push event (the service asks for them with the delay given here), so a
 * push is acknowledged on the bus only once it was delivered or definitively given up, and a
 * crash between attempts loses nothing. Backoff is exponential with jitter, or the provider's
 * Retry-After when it gives one and it is longer.
 */
export class PushDispatcher {
  private readonly policy: RetryPolicy;
  private readonly random: () => number;
  private stopped = false;

  constructor(
    private readonly providers: ReadonlyMap<PushPlatform, PushProvider>,
    private readonly hooks: DispatcherHooks,
    private readonly logger: Logger,
    options: PushDispatcherOptions = {},
  ) {
    this.policy = { ...defaultRetryPolicy, ...options.retry };
    this.random = options.random ?? Math.random;
  }

  /** Whether wake-ups for this platform can be sent (its provider is configured). */
  supports(platform: PushPlatform): boolean {
    return this.providers.has(platform);
  }

  /**
   * The `attempt`-th try (1 for the first) to wake the device of `job`. An invalid token is
   * removed through the hooks; the last allowed attempt that fails gives up.
   */
  async attempt(job: PushJob, attempt: number): Promise<AttemptResult> {
    // Stopping: leave the push to the redelivery (another replica, or this one restarted).
    if (this.stopped) return { kind: 'retry', delayMs: 0 };
    const context = { userId: job.userId, deviceId: job.deviceId, platform: job.platform, attempt };
    const provider = this.providers.get(job.platform);
    if (!provider) {
      this.logger.warn(context, `wake-up push given up: ${job.platform} is not configured`);
      return { kind: 'given-up' };
    }
    let outcome: Awaited<ReturnType<PushProvider['sendWakeUp']>>;
    try {
      outcome = await provider.sendWakeUp(job.token);
    } catch (error) {
      // Providers report failures as outcomes; anything thrown is unexpected but may pass.
      outcome = { kind: 'retry', reason: error instanceof Error ? error.message : String(error) };
    }
    countPush(job.platform, outcome.kind);
    switch (outcome.kind) {
      case 'sent':
        this.logger.debug(context, 'wake-up push sent');
        return { kind: 'sent' };
      case 'invalid-token':
        this.logger.info({ ...context, reason: outcome.reason }, 'push token invalid; removing it');
        await this.hooks.tokenInvalid(job, outcome.reason);
        return { kind: 'invalid-token' };
      case 'failed':
        this.logger.warn({ ...context, reason: outcome.reason }, 'wake-up push given up');
        return { kind: 'given-up' };
      case 'retry': {
        if (attempt >= this.policy.maxAttempts) {
          this.logger.warn({ ...context, reason: outcome.reason }, 'wake-up push given up');
          return { kind: 'given-up' };
        }
        const delayMs = this.retryDelayMs(attempt, outcome.retryAfterMs);
        this.logger.debug({ ...context, reason: outcome.reason, delayMs }, 'wake-up push retry');
        return { kind: 'retry', delayMs };
      }
    }
  }

  /** Sends nothing more: later attempts are left to a redelivery. */
  stop(): void {
    this.stopped = true;
  }

  /** Backoff `initialMs * 2^(attempt - 1)` up to `maxMs`, ±20 % jitter; Retry-After if longer. */
  retryDelayMs(attempt: number, retryAfterMs?: number): number {
    const backoff = backoffMs(this.policy, attempt);
    const jittered = Math.round(backoff * (0.8 + 0.4 * this.random()));
    const asked = Math.min(retryAfterMs ?? 0, this.policy.maxRetryAfterMs);
    return Math.max(jittered, asked);
  }
}
