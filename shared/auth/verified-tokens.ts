import type { Principal } from './principal.js';

/**
 * Access tokens whose signature and claims were verified lately, by their exact text, so that a
 * client's next requests (and the gateway's and each subgraph's check of the same request) skip
 * the Ed25519 verification that profiles of sends showed at 9% of the time. Only successes are
 * kept; an entry serves only while its token is unexpired (by jose's rule, whole seconds) and for
 * at most `maxAgeMs`, no longer than a remote key set is cached anyway. Revocation is not cached:
 * the verifier asks about the session on every call, as before.
 */
export class VerifiedTokens {
  readonly #entries = new Map<string, { principal: Principal; verifiedAt: number }>();

  constructor(
    private readonly maxEntries = 10_000,
    private readonly maxAgeMs = 60_000,
  ) {}

  /** The principal of a token verified within `maxAgeMs` that has not expired yet. */
  get(token: string, now = Date.now()): Principal | undefined {
    const entry = this.#entries.get(token);
    if (entry === undefined) return undefined;
    const expired = entry.principal.expiresAt.getTime() / 1000 <= Math.floor(now / 1000);
    if (expired || now - entry.verifiedAt >= this.maxAgeMs) {
      this.#entries.delete(token);
      return undefined;
    }
    return entry.principal;
  }

  set(token: string, principal: Principal, now = Date.now()): void {
    if (this.#entries.size >= this.maxEntries) {
      // Insertion order is age order: the oldest entry goes first.
      const oldest = this.#entries.keys().next();
      if (!oldest.done) this.#entries.delete(oldest.value);
    }
    this.#entries.set(token, { principal, verifiedAt: now });
  }
}
