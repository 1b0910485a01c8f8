/**
 * Keys remembered for a fixed time after they were added (the latest add counts), for what must
 * be refused for as long as something issued before it can live: revoked sessions, deleted
 * accounts. Expired keys are dropped on the next add, so the set holds at most what was added
 * within one memory span.
 */
export class ExpiringSet {
  private readonly until = new Map<string, number>();

  constructor(
    private readonly rememberMs: number,
    private readonly now: () => number = Date.now,
  ) {}

  add(key: string): void {
    const now = this.now();
    for (const [known, until] of this.until) if (until <= now) this.until.delete(known);
    this.until.set(key, now + this.rememberMs);
  }

  has(key: string): boolean {
    const until = this.until.get(key);
    return until !== undefined && until > this.now();
  }
}
