/** The key directory's MLS KeyPackages: upload, claim, and the refusal of bad packages. */
import { describe, expect, it } from '@jest/globals';
import { registerAccount, linkDevice } from '../support/accounts.js';
import { expectData, expectErrorCode, postGraphQL } from '../support/graphql-client.js';
import {
  createKeyPackage,
  createMlsClient,
  createExpiredKeyPackage,
  withTamperedSignature,
} from '../support/mls-client.js';
import { toBase64 } from '../support/signal-device.js';
import { useKeyDirectoryGuardyn } from '../support/key-directory-guardyn.js';

const uploadKeyPackages = 'mutation ($kps: [Base64!]!) { uploadKeyPackages(keyPackages: $kps) }';
const claimKeyPackages =
  'mutation ($ids: [ID!]!) { claimKeyPackages(userIds: $ids) { userId deviceId keyPackage } }';

const world = useKeyDirectoryGuardyn();

describe('MLS KeyPackages', () => {
  async function mlsAccount() {
    const account = await registerAccount(world.url);
    const client = await createMlsClient({ userId: account.userId, deviceId: 1 });
    return { account, client };
  }

  it('stores valid KeyPackages (deduplicated) and hands each to one claimant, one per device', async () => {
    const bob = await mlsAccount();
    const linked = await linkDevice(world.url, bob.account);
    const linkedClient = await createMlsClient({
      userId: bob.account.userId,
      deviceId: linked.deviceId,
    });
    const packages = await Promise.all([1, 2, 3].map(() => createKeyPackage(bob.client)));
    const upload = (token: string, kps: Uint8Array[]) =>
      expectData<{ uploadKeyPackages: number }>(
        world.url,
        uploadKeyPackages,
        { kps: kps.map(toBase64) },
        token,
      );
    expect(
      (
        await upload(
          bob.account.accessToken,
          packages.map((p) => p.bytes),
        )
      ).uploadKeyPackages,
    ).toBe(3);
    expect(
      (await upload(bob.account.accessToken, [packages[0]?.bytes ?? new Uint8Array()]))
        .uploadKeyPackages,
    ).toBe(0);
    expect(
      (await upload(linked.accessToken, [(await createKeyPackage(linkedClient)).bytes]))
        .uploadKeyPackages,
    ).toBe(1);

    const claimants = await Promise.all(
      Array.from({ length: 6 }, () => registerAccount(world.url)),
    );
    const results = await Promise.all(
      claimants.map((claimant) =>
        expectData<{ claimKeyPackages: { deviceId: number; keyPackage: string }[] }>(
          world.url,
          claimKeyPackages,
          { ids: [bob.account.userId] },
          claimant.accessToken,
        ),
      ),
    );
    const claimed = results.flatMap((result) => result.claimKeyPackages);
    expect(claimed.filter((claim) => claim.deviceId === 1)).toHaveLength(3);
    expect(claimed.filter((claim) => claim.deviceId === linked.deviceId)).toHaveLength(1);
    expect(new Set(claimed.map((claim) => claim.keyPackage)).size).toBe(4);
    expect(claimed.map((claim) => claim.keyPackage).sort()).toEqual(
      expect.arrayContaining(packages.map((p) => toBase64(p.bytes))),
    );
  });

  it('keeps one last-resort KeyPackage per device: a newer one replaces it, two at once are refused', async () => {
    const bob = await mlsAccount();
    const kps = async (...packages: Uint8Array[]) =>
      postGraphQL<{ uploadKeyPackages: number }>(
        world.url,
        uploadKeyPackages,
        { kps: packages.map(toBase64) },
        bob.account.accessToken,
      );
    const older = await createKeyPackage(bob.client, { lastResort: true });
    const newer = await createKeyPackage(bob.client, { lastResort: true });
    const both = await kps(older.bytes, newer.bytes);
    expect(both.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    expect((await kps(older.bytes)).data?.uploadKeyPackages).toBe(1);
    expect((await kps(older.bytes)).data?.uploadKeyPackages).toBe(0);
    expect((await kps(newer.bytes)).data?.uploadKeyPackages).toBe(1);
    const claimant = await registerAccount(world.url);
    for (let i = 0; i < 2; i++) {
      const { claimKeyPackages: claims } = await expectData<{
        claimKeyPackages: { keyPackage: string }[];
      }>(world.url, claimKeyPackages, { ids: [bob.account.userId] }, claimant.accessToken);
      expect(claims.map((claim) => claim.keyPackage)).toEqual([toBase64(newer.bytes)]);
    }
  });

  it('refuses KeyPackages of another identity, expired, tampered or not MLS, storing none of the batch', async () => {
    const bob = await mlsAccount();
    const other = await createMlsClient({ userId: bob.account.userId, deviceId: 2 });
    const good = await createKeyPackage(bob.client);
    const bad = [
      (await createKeyPackage(other)).bytes,
      (await createExpiredKeyPackage(bob.client, new Date())).bytes,
      withTamperedSignature((await createKeyPackage(bob.client)).bytes),
      new Uint8Array([1, 2, 3]),
    ];
    for (const kp of bad) {
      const { code } = await expectErrorCode(
        world.url,
        uploadKeyPackages,
        { kps: [toBase64(good.bytes), toBase64(kp)] },
        bob.account.accessToken,
      );
      expect(code).toBe('BAD_USER_INPUT');
    }
    const claimant = await registerAccount(world.url);
    const { claimKeyPackages: claims } = await expectData<{ claimKeyPackages: unknown[] }>(
      world.url,
      claimKeyPackages,
      { ids: [bob.account.userId] },
      claimant.accessToken,
    );
    expect(claims).toEqual([]);
    expect(
      (await expectErrorCode(world.url, claimKeyPackages, { ids: ['nope'] }, claimant.accessToken))
        .code,
    ).toBe('NOT_FOUND');
  });
});
