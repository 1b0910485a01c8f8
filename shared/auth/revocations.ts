import { ExpiringSet } from '../collections/index.js';
import type { SessionRevocationCheck } from './tokens.js';

/**
 * Sessions revoked recently, remembered for as long as a token issued before the revocation can
 * live. Fed by `guardyn.session.revoked.*` events, so that every service refuses a revoked
 * session's access tokens at once, not only when they expire.
 */
export class RevokedSessions implements SessionRevocationCheck {
  private readonly revoked: ExpiringSet;

  constructor(rememberMs: number, now: () => number = Date.now) {
    this.revoked = new ExpiringSet(rememberMs, now);
  }

  add(sessionId: string): void {
    this.revoked.add(sessionId);
  }

  isRevoked(sessionId: string): boolean {
    return this.revoked.has(sessionId);
  }
}
