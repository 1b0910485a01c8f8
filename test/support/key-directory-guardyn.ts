import { afterAll, beforeAll } from '@jest/globals';
import { manyRegistrations, startTestGuardyn, type TestGuardyn } from './test-guardyn.js';

/** What a key-directory test file runs against; set by useKeyDirectoryGuardyn's beforeAll. */
export class KeyDirectoryWorld {
  guardyn!: TestGuardyn;
  url = '';
}

const world = new KeyDirectoryWorld();

/**
 * Starts the Guardyn of the calling key-directory test file (auth-prekeys, auth-key-packages)
 * before its tests, with 40 claims a minute per claimant, and disposes of it after them.
 */
export function useKeyDirectoryGuardyn(): KeyDirectoryWorld {
  beforeAll(async () => {
    world.guardyn = await startTestGuardyn({
      auth: {
        claimsPerUser: { limit: 40, windowMs: 60_000 },
        // The per-target limit has tests of its own (auth-claim-limits.test.ts).
        claimsPerClaimantAndTarget: { limit: 1000, windowMs: 60_000 },
        ...manyRegistrations,
      },
    });
    world.url = world.guardyn.url;
  });
  afterAll(() => world.guardyn.dispose());
  return world;
}
