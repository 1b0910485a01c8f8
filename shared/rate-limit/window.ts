import type { RateLimit } from './sliding-window.js';

/** Milliseconds until one of `events` (ascending times, at least `rule.limit` of them) leaves the window. */
export function retryAfterMs(events: readonly number[], rule: RateLimit, now: number): number {
  const oldestBlocking = events[events.length - rule.limit] ?? now;
  return oldestBlocking + rule.windowMs - now;
}

/** The events still inside the window at `now`. */
export function inWindow<T>(
  events: readonly T[],
  timeOf: (event: T) => number,
  rule: RateLimit,
  now: number,
): T[] {
  const since = now - rule.windowMs;
  return events.filter((event) => timeOf(event) > since);
}
