/**
 * Attacks on the key directory by a stranger: draining a user's MLS KeyPackages so nobody can add
 * them to a group, and draining a device's one-time prekeys. Replayed through the gateway and
 * straight at the auth port.
 */
import { describe, expect, it } from '@jest/globals';
import { registerAccount, type TestAccount } from '../support/accounts.js';
import { expectData, postGraphQL } from '../support/graphql-client.js';
import { createMlsClient, publishKeyPackages } from '../support/mls-client.js';
import {
  addMembers,
  createMlsGroup,
  joinFromWelcome,
  memberIdentities,
} from '../support/mls-group.js';
import { fromBase64, toBase64 } from '../support/signal-device.js';
import { manyRegistrations } from '../support/test-guardyn.js';
import { useTestGuardyn } from '../support/use-test-guardyn.js';

const claimKeyPackages =
  'mutation ($ids: [ID!]!) { claimKeyPackages(userIds: $ids) { userId deviceId keyPackage } }';
const claimBundles =
  'mutation ($userId: ID!) { claimPreKeyBundles(userId: $userId) { deviceId preKey { keyId } } }';

/** The per-claimant-and-target limit this file runs with (the default is 10 per hour). */
const perTarget = 4;

const urls: [string, () => string][] = [
  ['through the gateway', () => world.url],
  ['straight at the auth port', () => world.guardyn.subgraphs.auth?.url ?? ''],
];

const world = useTestGuardyn({
  auth: {
    ...manyRegistrations,
    claimsPerClaimantAndTarget: { limit: perTarget, windowMs: 3600_000 },
  },
});

interface Claim {
  userId: string;
  deviceId: number;
  keyPackage: string;
}

async function claim(url: string, claimant: TestAccount, userIds: string[]) {
  const response = await postGraphQL<{ claimKeyPackages: Claim[] }>(
    url,
    claimKeyPackages,
    { ids: userIds },
    claimant.accessToken,
  );
  return { claims: response.data?.claimKeyPackages ?? [], error: response.errors?.[0] };
}

describe.each(urls)('KeyPackage exhaustion %s', (_where, url) => {
  it('leaves a last-resort KeyPackage that still adds the victim to a group', async () => {
    const bob = await registerAccount(url());
    const bobMls = await createMlsClient({ userId: bob.userId, deviceId: 1 });
    const published = await publishKeyPackages(url(), bob.accessToken, bobMls, 2);
    const lastResort = toBase64(published.lastResort.bytes);

    // The stranger claims until refused: two ordinary KeyPackages, then only the last resort.
    const mallory = await registerAccount(url());
    const handed: string[] = [];
    for (let i = 0; i < perTarget; i++) {
      const { claims, error } = await claim(url(), mallory, [bob.userId]);
      expect(error).toBeUndefined();
      handed.push(...claims.map((entry) => entry.keyPackage));
    }
    expect(handed.slice(0, 2).sort()).toEqual(
      published.ordinary.map((kp) => toBase64(kp.bytes)).sort(),
    );
    expect(handed.slice(2)).toEqual(Array(perTarget - 2).fill(lastResort));
    const refused = await claim(url(), mallory, [bob.userId]);
    expect(refused.error?.extensions?.code).toBe('RATE_LIMITED');
    expect(refused.error?.extensions?.['retryAfterSeconds']).toBeGreaterThan(0);

    // Alice still gets a KeyPackage of Bob's and adds him to her group.
    const alice = await registerAccount(url());
    const { claimKeyPackages: forAlice } = await expectData<{ claimKeyPackages: Claim[] }>(
      url(),
      claimKeyPackages,
      { ids: [bob.userId] },
      alice.accessToken,
    );
    expect(forAlice.map((entry) => entry.keyPackage)).toEqual([lastResort]);
    const aliceMls = await createMlsClient({ userId: alice.userId, deviceId: 1 });
    const group = await createMlsGroup(aliceMls);
    const added = await addMembers(group, [fromBase64(forAlice[0]?.keyPackage ?? '')]);
    const bobInGroup = await joinFromWelcome(bobMls, added.welcome);
    expect(memberIdentities(bobInGroup)).toEqual([`${alice.userId}.1`, `${bob.userId}.1`]);
  });

  it('refuses a claim over the limit for any target as a whole, claiming nothing', async () => {
    const bob = await registerAccount(url());
    const carol = await registerAccount(url());
    await publishKeyPackages(
      url(),
      bob.accessToken,
      await createMlsClient({ userId: bob.userId }),
      0,
    );
    const carolKeys = await publishKeyPackages(
      url(),
      carol.accessToken,
      await createMlsClient({ userId: carol.userId }),
      1,
    );
    const mallory = await registerAccount(url());
    for (let i = 0; i < perTarget; i++) await claim(url(), mallory, [bob.userId]);
    const refused = await claim(url(), mallory, [carol.userId, bob.userId]);
    expect(refused.error?.extensions?.code).toBe('RATE_LIMITED');
    // Carol's only ordinary KeyPackage is still there, and Mallory's claim for her did not count.
    const alice = await registerAccount(url());
    expect((await claim(url(), alice, [carol.userId])).claims.map((c) => c.keyPackage)).toEqual([
      toBase64(carolKeys.ordinary[0]?.bytes ?? new Uint8Array()),
    ]);
    for (let i = 0; i < perTarget; i++) {
      expect((await claim(url(), mallory, [carol.userId])).error).toBeUndefined();
    }
  });
});

describe.each(urls)('one-time prekey draining %s', (_where, url) => {
  it('stops a stranger after the limit while others still get one-time keys', async () => {
    const bob = await registerAccount(url(), { preKeys: perTarget + 2 });
    const mallory = await registerAccount(url());
    const codes = [];
    for (let i = 0; i < perTarget + 3; i++) {
      const response = await postGraphQL(
        url(),
        claimBundles,
        { userId: bob.userId },
        mallory.accessToken,
      );
      codes.push(response.errors?.[0]?.extensions?.code);
    }
    expect(codes).toEqual([...Array(perTarget).fill(undefined), ...Array(3).fill('RATE_LIMITED')]);
    const alice = await registerAccount(url());
    const { claimPreKeyBundles } = await expectData<{
      claimPreKeyBundles: { preKey: { keyId: number } | null }[];
    }>(url(), claimBundles, { userId: bob.userId }, alice.accessToken);
    expect(claimPreKeyBundles[0]?.preKey).not.toBeNull();
  });
});
