/** The key directory's Signal prekeys: upload, count, claim, and the refusal of bad keys. */
import { beforeAll, describe, expect, it } from '@jest/globals';
import { registerAccount, linkDevice, type TestAccount } from '../support/accounts.js';
import { expectData, expectErrorCode, postGraphQL } from '../support/graphql-client.js';
import {
  addOneTimePreKeys,
  createTestDevice,
  toBase64,
  toDeviceKeysInput,
} from '../support/signal-device.js';
import { useKeyDirectoryGuardyn } from '../support/key-directory-guardyn.js';

const bundleFields = `userId deviceId registrationId identityKey
  signedPreKey { keyId publicKey signature } preKey { keyId publicKey } kyberPreKey { keyId publicKey signature }`;
const claimBundles = `mutation ($userId: ID!, $deviceIds: [Int!]) { claimPreKeyBundles(userId: $userId, deviceIds: $deviceIds) { ${bundleFields} } }`;
const uploadPreKeys = `mutation ($input: UploadPreKeysInput!) { uploadPreKeys(input: $input) { ecOneTime kyberOneTime } }`;
const preKeyCount = '{ preKeyCount { ecOneTime kyberOneTime } }';

interface Bundle {
  userId: string;
  deviceId: number;
  preKey: { keyId: number } | null;
  kyberPreKey: { keyId: number };
}

const world = useKeyDirectoryGuardyn();

async function counts(account: TestAccount) {
  return (
    await expectData<{ preKeyCount: { ecOneTime: number; kyberOneTime: number } }>(
      world.url,
      preKeyCount,
      {},
      account.accessToken,
    )
  ).preKeyCount;
}

describe('Signal prekeys', () => {
  it('counts, tops up and hands out one-time keys, then falls back to the last-resort Kyber key', async () => {
    const bob = await registerAccount(world.url, { preKeys: 1, kyberPreKeys: 1 });
    const alice = await registerAccount(world.url);
    expect(await counts(bob)).toEqual({ ecOneTime: 1, kyberOneTime: 1 });

    const claim = async () =>
      (
        await expectData<{ claimPreKeyBundles: Bundle[] }>(
          world.url,
          claimBundles,
          { userId: bob.userId },
          alice.accessToken,
        )
      ).claimPreKeyBundles;
    const [first] = await claim();
    expect(first).toMatchObject({
      userId: bob.userId,
      deviceId: 1,
      preKey: { keyId: 1 },
      kyberPreKey: { keyId: 2 },
    });
    const [second] = await claim();
    // No one-time keys left: no EC prekey, and the last-resort Kyber key (id 1).
    expect(second).toMatchObject({ preKey: null, kyberPreKey: { keyId: 1 } });
    expect(await counts(bob)).toEqual({ ecOneTime: 0, kyberOneTime: 0 });

    const more = await addOneTimePreKeys(bob.device, { preKeys: 3, kyberPreKeys: 2 });
    const { uploadPreKeys: after } = await expectData<{ uploadPreKeys: unknown }>(
      world.url,
      uploadPreKeys,
      { input: more },
      bob.accessToken,
    );
    expect(after).toEqual({ ecOneTime: 3, kyberOneTime: 2 });
  });

  it('hands each one-time key to exactly one of many concurrent claimants', async () => {
    const bob = await registerAccount(world.url, { preKeys: 5, kyberPreKeys: 3 });
    const claimants = await Promise.all(
      Array.from({ length: 4 }, () => registerAccount(world.url)),
    );
    const responses = await Promise.all(
      Array.from({ length: 24 }, (_, index) =>
        expectData<{ claimPreKeyBundles: Bundle[] }>(
          world.url,
          claimBundles,
          { userId: bob.userId },
          claimants[index % claimants.length]?.accessToken,
        ),
      ),
    );
    const bundles = responses.flatMap((response) => response.claimPreKeyBundles);
    const ecIds = bundles.flatMap((bundle) => (bundle.preKey ? [bundle.preKey.keyId] : []));
    const kyberOneTimeIds = bundles
      .map((bundle) => bundle.kyberPreKey.keyId)
      .filter((id) => id !== 1);
    expect(ecIds.sort()).toEqual([1, 2, 3, 4, 5]);
    expect(kyberOneTimeIds.sort()).toEqual([2, 3, 4]);
    expect(bundles.filter((bundle) => bundle.kyberPreKey.keyId === 1)).toHaveLength(21);
  });

  it('claims for chosen devices or all of them; unknown users and devices are NOT_FOUND', async () => {
    const bob = await registerAccount(world.url);
    await linkDevice(world.url, bob);
    const alice = await registerAccount(world.url);
    const all = await expectData<{ claimPreKeyBundles: Bundle[] }>(
      world.url,
      claimBundles,
      { userId: bob.userId },
      alice.accessToken,
    );
    expect(all.claimPreKeyBundles.map((bundle) => bundle.deviceId)).toEqual([1, 2]);
    const one = await expectData<{ claimPreKeyBundles: Bundle[] }>(
      world.url,
      claimBundles,
      { userId: bob.userId, deviceIds: [2] },
      alice.accessToken,
    );
    expect(one.claimPreKeyBundles.map((bundle) => bundle.deviceId)).toEqual([2]);
    for (const variables of [
      { userId: '00000000-0000-4000-8000-000000000000' },
      { userId: 'not-a-uuid' },
      { userId: bob.userId, deviceIds: [7] },
    ]) {
      expect(
        (await expectErrorCode(world.url, claimBundles, variables, alice.accessToken)).code,
      ).toBe('NOT_FOUND');
    }
    expect(
      (
        await expectErrorCode(
          world.url,
          claimBundles,
          { userId: bob.userId, deviceIds: [1, 1] },
          alice.accessToken,
        )
      ).code,
    ).toBe('BAD_USER_INPUT');
    expect((await expectErrorCode(world.url, claimBundles, { userId: bob.userId })).code).toBe(
      'UNAUTHENTICATED',
    );
  });

  it('rate-limits claims per claimant', async () => {
    const bob = await registerAccount(world.url);
    const mallory = await registerAccount(world.url);
    const codes: (string | undefined)[] = [];
    for (let i = 0; i < 45; i++) {
      const response = await postGraphQL(
        world.url,
        claimBundles,
        { userId: bob.userId },
        mallory.accessToken,
      );
      codes.push(response.errors?.[0]?.extensions?.code);
    }
    expect(codes.filter((code) => code === undefined)).toHaveLength(40);
    expect(codes.slice(40)).toEqual(Array(5).fill('RATE_LIMITED'));
  });

  describe('refuses bad keys and stores nothing', () => {
    let account: TestAccount;
    beforeAll(async () => {
      account = await registerAccount(world.url, { preKeys: 2, kyberPreKeys: 2 });
    });

    const cases: [
      string,
      (keys: Awaited<ReturnType<typeof addOneTimePreKeys>>, other: string) => unknown,
      string,
    ][] = [
      [
        'a truncated EC key',
        (keys) => ({
          preKeys: [{ ...keys.preKeys[0], publicKey: keys.preKeys[0]?.publicKey.slice(0, 20) }],
        }),
        'BAD_USER_INPUT',
      ],
      [
        'a key that is not base64',
        (keys) => ({ preKeys: [{ ...keys.preKeys[0], publicKey: '%%%not base64' }] }),
        'BAD_USER_INPUT',
      ],
      [
        'a negative key id',
        (keys) => ({ preKeys: [{ ...keys.preKeys[0], keyId: -1 }] }),
        'BAD_USER_INPUT',
      ],
      [
        'a key id beyond 24 bits',
        (keys) => ({ preKeys: [{ ...keys.preKeys[0], keyId: 2 ** 24 }] }),
        'BAD_USER_INPUT',
      ],
      [
        'a key id beyond Int',
        (keys) => ({ preKeys: [{ ...keys.preKeys[0], keyId: 2 ** 40 }] }),
        'BAD_USER_INPUT',
      ],
      [
        'a repeated key id',
        (keys) => ({ preKeys: [keys.preKeys[0], keys.preKeys[0]] }),
        'BAD_USER_INPUT',
      ],
      [
        'an already stored key id',
        () => ({
          preKeys: [
            {
              keyId: 1,
              publicKey: account.device.preKeys[0]
                ? toBase64(account.device.preKeys[0].publicKey().serialize())
                : '',
            },
          ],
        }),
        'BAD_USER_INPUT',
      ],
      [
        'a Kyber key signed by another identity',
        (keys, other) => ({ kyberPreKeys: [{ ...keys.kyberPreKeys[0], signature: other }] }),
        'BAD_USER_INPUT',
      ],
      [
        'a signed prekey with a bad signature',
        (keys, other) => ({
          signedPreKey: { keyId: 9, publicKey: keys.preKeys[0]?.publicKey, signature: other },
        }),
        'BAD_USER_INPUT',
      ],
      [
        'more than 100 keys',
        (keys) => ({
          preKeys: Array.from({ length: 101 }, (_, i) => ({ ...keys.preKeys[0], keyId: 1000 + i })),
        }),
        'PAYLOAD_TOO_LARGE',
      ],
    ];

    it.each(cases)('%s', async (_name, makeInput, expected) => {
      const keys = await addOneTimePreKeys(account.device, { preKeys: 1, kyberPreKeys: 1 });
      const stranger = await createTestDevice();
      const otherSignature = toDeviceKeysInput(stranger).kyberLastResortPreKey.signature;
      const before = await counts(account);
      const { code } = await expectErrorCode(
        world.url,
        uploadPreKeys,
        { input: makeInput(keys, otherSignature) },
        account.accessToken,
      );
      expect(code).toBe(expected);
      expect(await counts(account)).toEqual(before);
    });

    it('at registration: a wrong identity key length or a forged signed prekey', async () => {
      const device = await createTestDevice();
      const input = toDeviceKeysInput(device);
      const stranger = toDeviceKeysInput(await createTestDevice());
      for (const bad of [
        { ...input, identityKey: toBase64(new Uint8Array(32)) },
        { ...input, signedPreKey: stranger.signedPreKey },
        { ...input, kyberLastResortPreKey: stranger.kyberLastResortPreKey },
        { ...input, registrationId: 0 },
        { ...input, name: 'x'.repeat(65) },
      ]) {
        const username = `bad_${Math.random().toString(36).slice(2, 10)}`;
        const { code } = await expectErrorCode(
          world.url,
          'mutation ($input: RegisterInput!) { register(input: $input) { accessToken } }',
          { input: { username, password: 'long enough', device: bad } },
        );
        expect(code).toBe('BAD_USER_INPUT');
        const lookup = await expectData<{ userByUsername: null }>(
          world.url,
          'query ($u: String!) { userByUsername(username: $u) { id } }',
          { u: username },
          account.accessToken,
        );
        expect(lookup.userByUsername).toBeNull();
      }
    });
  });
});
