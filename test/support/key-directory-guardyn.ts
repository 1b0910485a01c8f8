import { manyRegistrations, startTestGuardyn, type TestGuardyn } from './test-guardyn.js';

/**
 * A Guardyn for the key-directory tests (auth-prekeys, auth-key-packages): 40 claims a minute per
 * claimant.
 */
export function startKeyDirectoryGuardyn(): Promise<TestGuardyn> {
  return startTestGuardyn({
    auth: {
      claimsPerUser: { limit: 40, windowMs: 60_000 },
      // The per-target limit has tests of its own (auth-claim-limits.test.ts).
      claimsPerClaimantAndTarget: { limit: 1000, windowMs: 60_000 },
      ...manyRegistrations,
    },
  });
}
