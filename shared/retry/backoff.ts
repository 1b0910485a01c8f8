/**
 * Exponential backoff, the one formula every retry loop here uses (bus redeliveries, CQL
 * connecting and contention, push retries, rate-limit contention).
 */

/** The first delay and the largest. */
export interface Backoff {
  readonly initialMs: number;
  readonly maxMs: number;
}

/** The delay before retry number `attempt` (1-based): `initialMs * 2^(attempt - 1)`, at most `maxMs`. */
export function backoffMs(backoff: Backoff, attempt: number): number {
  const exponent = Math.max(0, attempt - 1);
  return Math.min(backoff.maxMs, backoff.initialMs * 2 ** exponent);
}

/** A random delay below `ms` ("full jitter"): racers that failed together do not retry in step. */
export function fullJitter(ms: number, random: () => number = Math.random): number {
  return random() * ms;
}
