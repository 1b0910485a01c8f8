import type { Principal } from './principal.js';

/**
 * Tokens whose signature and claims were verified, by exact text, so that a client sending many
 * requests with one token pays for one Ed25519 verification (WebCrypto, a fifth of a send's CPU
 * when it was paid on every call of every subgraph). What is remembered is only what the
 * signature proved, which cannot change: expiry is compared on every hit, revocation is checked
 * by the caller on every call, and an entry is trusted for `maxAgeMs` at most, so a signing key
 * removed from the key set stops being honoured within that time. Least recently verified go
 * first when full.
 */
export class VerifiedTokens {
  private readonly entries = new Map<string, { principal: Principal; verifiedAtMs: number }>();

  constructor(
    private readonly maxEntries = 10_000,
    private readonly maxAgeMs = 60_000,
    private readonly now: () => number = Date.now,
  ) {}

  /** The principal of a token verified before and neither expired nor too old, else undefined. */
  get(token: string): Principal | undefined {
    const entry = this.entries.get(token);
    if (!entry) return undefined;
    const now = this.now();
    // jose's rule: a token is expired once its `exp` (whole seconds) is not after now.
    const expired = entry.principal.expiresAt.getTime() / 1000 <= Math.floor(now / 1000);
    if (expired || now - entry.verifiedAtMs >= this.maxAgeMs) {
      this.entries.delete(token);
      return undefined;
    }
    return entry.principal;
  }

  remember(token: string, principal: Principal): void {
    this.entries.delete(token);
    this.entries.set(token, { principal, verifiedAtMs: this.now() });
    if (this.entries.size > this.maxEntries) {
      const oldest = this.entries.keys().next();
      if (!oldest.done) this.entries.delete(oldest.value);
    }
  }
}
