import { RateLimitedError } from '../errors/index.js';

export interface RateLimit {
  /** How many events a key may have inside the window. */
  readonly limit: number;
  readonly windowMs: number;
}

/**
 * Counts events per key in a sliding window (kept in memory, per process: a cluster of N
 * replicas allows up to N times the limit, which bounds abuse well enough for logins and claims).
 */
export class SlidingWindowLimiter {
  private readonly events = new Map<string, number[]>();
  private recordsSinceSweep = 0;

  constructor(
    private readonly rule: RateLimit,
    private readonly now: () => number = Date.now,
  ) {}

  /** Throws RATE_LIMITED (with the seconds until a slot frees) when the key is at its limit. */
  check(key: string): void {
    const recent = this.recent(key);
    if (recent.length >= this.rule.limit) {
      const oldest = recent[recent.length - this.rule.limit] ?? this.now();
      throw new RateLimitedError((oldest + this.rule.windowMs - this.now()) / 1000);
    }
  }

  /** Records one event for the key. */
  record(key: string): void {
    const recent = this.recent(key);
    recent.push(this.now());
    this.events.set(key, recent);
    // Keys that are never touched again would otherwise stay forever: sweep now and then.
    if (++this.recordsSinceSweep >= 1000) {
      this.recordsSinceSweep = 0;
      for (const known of [...this.events.keys()]) this.recent(known);
    }
  }

  /** check() then record(): for actions that always count (claims, registrations). */
  take(key: string): void {
    this.check(key);
    this.record(key);
  }

  reset(key: string): void {
    this.events.delete(key);
  }

  private recent(key: string): number[] {
    const since = this.now() - this.rule.windowMs;
    const kept = (this.events.get(key) ?? []).filter((time) => time > since);
    if (kept.length === 0) this.events.delete(key);
    else this.events.set(key, kept);
    return kept;
  }
}
