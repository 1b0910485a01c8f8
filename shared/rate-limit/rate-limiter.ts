import type { RateLimit } from './sliding-window.js';

/** One event a limiter counted; `release` gives it back (at most once; later calls do nothing). */
export interface RateLimitReservation {
  release(): Promise<void>;
}

/**
 * Counts events per key in a sliding window. `reserve` decides and records in one atomic step,
 * so concurrent callers can never all pass a check made before any of them counted.
 */
export interface RateLimiter {
  /** Counts one event for the key, or throws RATE_LIMITED (retryAfterSeconds) when at its limit. */
  reserve(key: string): Promise<RateLimitReservation>;
}

/**
 * Makes the limiter of one rule. `name` (e.g. `failed-logins-username`: a-z, 0-9 and `-`) names
 * the counters, so limiters made with the same name share them across processes where the
 * backend allows (NATS KV) and rules never mix.
 */
export interface RateLimiters {
  limiter(name: string, rule: RateLimit): RateLimiter;
  /** Releases connections (NATS); in-memory limiters hold none. */
  close(): Promise<void>;
}

const limiterNamePattern = /^[a-z0-9][a-z0-9-]{0,47}$/;

export function assertLimiterName(name: string): void {
  if (!limiterNamePattern.test(name)) {
    throw new Error(`rate limiter name "${name}" must match ${limiterNamePattern}`);
  }
}
