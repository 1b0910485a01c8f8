/** Keys an in-process limiter holds at most, unless told otherwise (about 150 bytes each). */
export const defaultMaxKeys = 50_000;

/** How many of the least recently used keys eviction looks at for one below its limit. */
const evictionScan = 64;

/**
 * The event lists of an in-process limiter, at most `maxKeys` of them, least recently used first.
 *
 * When a new key arrives and the map is full, one key is evicted: the least recently used key
 * that is below its limit among the `evictionScan` oldest, else the least recently used one.
 * Evicting a key forgets its events, so this is what an attacker could use to reset a counter:
 * keys at their limit (an account under a password-guessing attack) are the last to go, and
 * pushing a key out costs `maxKeys` fresh keys, each of which passes through the attacker's own
 * per-address limits first.
 */
export class BoundedKeyMap {
  private readonly entries = new Map<string, number[]>();

  constructor(
    private readonly maxKeys: number,
    private readonly limit: number,
  ) {
    if (!Number.isInteger(maxKeys) || maxKeys < 1) {
      throw new RangeError(`maxKeys must be a positive integer, not ${maxKeys}`);
    }
  }

  get size(): number {
    return this.entries.size;
  }

  /** The events of a key, without marking it used. */
  peek(key: string): number[] | undefined {
    return this.entries.get(key);
  }

  /** Stores the events and marks the key most recently used, evicting one key if full. */
  set(key: string, events: number[]): void {
    if (this.entries.has(key)) this.entries.delete(key);
    else if (this.entries.size >= this.maxKeys) this.evictOne();
    this.entries.set(key, events);
  }

  delete(key: string): void {
    this.entries.delete(key);
  }

  keys(): string[] {
    return [...this.entries.keys()];
  }

  private evictOne(): void {
    let scanned = 0;
    let oldest: string | undefined;
    for (const [key, events] of this.entries) {
      oldest ??= key;
      if (events.length < this.limit) {
        this.entries.delete(key);
        return;
      }
      if (++scanned >= evictionScan) break;
    }
    if (oldest !== undefined) this.entries.delete(oldest);
  }
}
