import { RateLimitedError } from '../errors/index.js';
import { BoundedKeyMap, defaultMaxKeys } from './bounded-keys.js';
import { limiterKey } from './keys.js';
import { retryAfterMs } from './window.js';

export interface RateLimit {
  /** How many events a key may have inside the window. */
  readonly limit: number;
  readonly windowMs: number;
}

export interface SlidingWindowOptions {
  /** Most keys held at once; beyond, the least recently used key is evicted. @default 50_000 */
  readonly maxKeys?: number;
}

/**
 * Counts events per key in a sliding window, in this process's memory (synchronous). Keys are
 * stored as SHA-256 digests, so a key's size never matters, and at most `maxKeys` keys are kept
 * (see BoundedKeyMap for what is evicted when full). For limits that must hold across replicas,
 * use a `RateLimiter` from `createRateLimiters` (NATS JetStream KV when NATS is configured).
 */
export class SlidingWindowLimiter {
  private readonly events: BoundedKeyMap;
  private writesSinceSweep = 0;

  constructor(
    private readonly rule: RateLimit,
    private readonly now: () => number = Date.now,
    options: SlidingWindowOptions = {},
  ) {
    this.events = new BoundedKeyMap(options.maxKeys ?? defaultMaxKeys, rule.limit);
  }

  /** Throws RATE_LIMITED (with the seconds until a slot frees) when the key is at its limit. */
  check(key: string): void {
    const recent = this.recent(limiterKey(key));
    if (recent.length >= this.rule.limit) {
      throw new RateLimitedError(retryAfterMs(recent, this.rule, this.now()) / 1000);
    }
  }

  /** Records one event for the key. */
  record(key: string): void {
    const hashed = limiterKey(key);
    const recent = this.recent(hashed);
    recent.push(this.now());
    this.store(hashed, recent);
  }

  /** check() then record(): for actions that always count (claims, registrations). */
  take(key: string): void {
    this.check(key);
    this.record(key);
  }

  /**
   * take(), returning a function that gives the event back (e.g. when a login succeeds and only
   * failures count). Giving back twice, or after the event left the window, does nothing.
   */
  reserve(key: string): () => void {
    this.check(key);
    const hashed = limiterKey(key);
    const recent = this.recent(hashed);
    const at = this.now();
    recent.push(at);
    this.store(hashed, recent);
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const current = this.events.peek(hashed);
      const index = current?.indexOf(at) ?? -1;
      if (!current || index < 0) return;
      current.splice(index, 1);
      if (current.length === 0) this.events.delete(hashed);
    };
  }

  reset(key: string): void {
    this.events.delete(limiterKey(key));
  }

  /** How many keys are held (for tests of the memory bound). */
  get size(): number {
    return this.events.size;
  }

  private store(hashed: string, events: number[]): void {
    this.events.set(hashed, events);
    // Keys never touched again would otherwise wait for eviction: drop expired ones now and then.
    if (++this.writesSinceSweep >= 1000) {
      this.writesSinceSweep = 0;
      const since = this.now() - this.rule.windowMs;
      for (const key of this.events.keys()) {
        const newest = this.events.peek(key)?.at(-1);
        if (newest === undefined || newest <= since) this.events.delete(key);
      }
    }
  }

  /**
   * The key's events inside the window. Events are recorded in time order, so the expired ones
   * are a prefix: dropping it in place costs what expired, not the whole list (a filter per call
   * made each send dearer with every send in the window, at raised limits thousands).
   */
  private recent(hashed: string): number[] {
    const since = this.now() - this.rule.windowMs;
    const events = this.events.peek(hashed) ?? [];
    let expired = 0;
    while (expired < events.length && (events[expired] ?? 0) <= since) expired += 1;
    if (expired > 0) events.splice(0, expired);
    if (events.length === 0) this.events.delete(hashed);
    else this.events.set(hashed, events);
    return events;
  }
}
