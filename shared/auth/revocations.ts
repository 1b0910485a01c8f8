import type { SessionRevocationCheck } from './tokens.js';

/**
 * Sessions revoked recently, remembered for as long as a token issued before the revocation can
 * live. Fed by `guardyn.session.revoked.*` events, so that every service refuses a revoked
 * session's access tokens at once, not only when they expire.
 */
export class RevokedSessions implements SessionRevocationCheck {
  private readonly until = new Map<string, number>();

  constructor(
    private readonly rememberMs: number,
    private readonly now: () => number = Date.now,
  ) {}

  add(sessionId: string): void {
    this.until.set(sessionId, this.now() + this.rememberMs);
    this.prune();
  }

  isRevoked(sessionId: string): boolean {
    const until = this.until.get(sessionId);
    return until !== undefined && until > this.now();
  }

  private prune(): void {
    const now = this.now();
    for (const [sessionId, until] of this.until) if (until <= now) this.until.delete(sessionId);
  }
}
