/**
 * Users whose accounts were deleted recently, remembered for as long as one of their sockets can
 * outlive the deletion (a socket lives no longer than its token). Connection events of theirs
 * that arrive after the deletion would write their presence again; the service drops them.
 */
export class RecentlyDeletedUsers {
  private readonly until = new Map<string, number>();

  constructor(
    private readonly rememberMs: number,
    private readonly now: () => number = Date.now,
  ) {}

  add(userId: string): void {
    const now = this.now();
    for (const [known, until] of this.until) if (until <= now) this.until.delete(known);
    this.until.set(userId, now + this.rememberMs);
  }

  has(userId: string): boolean {
    const until = this.until.get(userId);
    return until !== undefined && until > this.now();
  }
}
