import type {
  RateLimit,
  RateLimiter,
  RateLimiters,
  RateLimitReservation,
} from '../../shared/rate-limit/index.js';

/** The auth service's rate-limit rules (see docs/accounts.md). */
export interface AuthLimitRules {
  /** Failed logins allowed per username. @default 5 per 15 minutes */
  readonly failedLoginsPerUsername: RateLimit;
  /** Failed logins allowed per client address. @default 20 per 15 minutes */
  readonly failedLoginsPerAddress: RateLimit;
  /** Registrations per client address. @default 30 per hour */
  readonly registrationsPerAddress: RateLimit;
  /** Prekey bundle and KeyPackage claim calls per claimant account. @default 120 per minute */
  readonly claimsPerUser: RateLimit;
  /**
   * Claims by one claimant for one target user, per kind (prekey bundles, KeyPackages), so that
   * one account cannot drain another's one-time keys. @default 10 per hour
   */
  readonly claimsPerClaimantAndTarget: RateLimit;
}

/** What a claim is for: the two kinds are counted apart. */
export type ClaimKind = 'prekey-bundles' | 'key-packages';

/** Events a refused or succeeded operation may give back. */
export interface HeldReservations {
  releaseAll(): Promise<void>;
}

/**
 * The auth limits over a RateLimiters backend (shared by replicas on NATS KV, else in memory).
 * Every limit is reserved before the work it guards, atomically, so concurrent requests cannot
 * all pass a check that none of them has counted yet.
 */
export class AuthLimits {
  private readonly failedLoginsByUsername: RateLimiter;
  private readonly failedLoginsByAddress: RateLimiter;
  private readonly registrations: RateLimiter;
  private readonly claims: RateLimiter;
  private readonly claimsByTarget: RateLimiter;

  constructor(limiters: RateLimiters, rules: AuthLimitRules) {
    this.failedLoginsByUsername = limiters.limiter(
      'auth-failed-logins-username',
      rules.failedLoginsPerUsername,
    );
    this.failedLoginsByAddress = limiters.limiter(
      'auth-failed-logins-address',
      rules.failedLoginsPerAddress,
    );
    this.registrations = limiters.limiter(
      'auth-registrations-address',
      rules.registrationsPerAddress,
    );
    this.claims = limiters.limiter('auth-claims-claimant', rules.claimsPerUser);
    this.claimsByTarget = limiters.limiter(
      'auth-claims-claimant-target',
      rules.claimsPerClaimantAndTarget,
    );
  }

  /**
   * Counts a login attempt as a failure before the password is checked; the caller gives it back
   * when the login succeeds. The address goes first: an address at its limit then never touches
   * (nor creates) the username's counter.
   */
  reserveLoginAttempt(username: string, clientAddress: string): Promise<HeldReservations> {
    return reserveAll([
      () => this.failedLoginsByAddress.reserve(clientAddress),
      () => this.failedLoginsByUsername.reserve(username),
    ]);
  }

  async takeRegistration(clientAddress: string): Promise<void> {
    await this.registrations.reserve(clientAddress);
  }

  /** Counts one claim call and one claim per target; all or nothing. */
  async takeClaim(claimant: string, kind: ClaimKind, targets: readonly string[]): Promise<void> {
    await reserveAll([
      () => this.claims.reserve(claimant),
      ...targets.map(
        (target) => () => this.claimsByTarget.reserve(`${kind}:${claimant}:${target}`),
      ),
    ]);
  }
}

/** Reserves in order; when one is refused, gives back those already taken and rethrows. */
async function reserveAll(
  steps: readonly (() => Promise<RateLimitReservation>)[],
): Promise<HeldReservations> {
  const held: RateLimitReservation[] = [];
  const releaseAll = async () => {
    for (const reservation of held.splice(0).reverse()) await reservation.release();
  };
  try {
    for (const step of steps) held.push(await step());
  } catch (error) {
    await releaseAll();
    throw error;
  }
  return { releaseAll };
}
