import { randomBytes } from 'node:crypto';
import { beforeAll, describe, expect, it } from '@jest/globals';
import {
  linkDevice,
  registerAccount,
  removeDevice,
  type TestAccount,
} from '../support/accounts.js';
import { eventually } from '../support/eventually.js';
import { expectData, expectErrorCode, postGraphQL } from '../support/graphql-client.js';
import { manyRegistrations } from '../support/test-guardyn.js';
import { useTestGuardyn } from '../support/use-test-guardyn.js';

const world = useTestGuardyn({ auth: manyRegistrations });

const register =
  'mutation ($platform: PushPlatform!, $token: String!) { registerPushToken(platform: $platform, token: $token) }';
const apnsToken = () => randomBytes(32).toString('hex');
const fcmToken = () =>
  `${randomBytes(8).toString('hex')}:APA91b${randomBytes(60).toString('base64url')}`;

interface DevicePush {
  deviceId: number;
  push: { platform: string; createdAt: string } | null;
}

async function myDevices(account: { accessToken: string }): Promise<DevicePush[]> {
  const { me } = await expectData<{ me: { devices: DevicePush[] } }>(
    world.url,
    '{ me { devices { deviceId push { platform createdAt } } } }',
    {},
    account.accessToken,
  );
  return me.devices;
}

/** Device.push asked of the notification subgraph directly, for devices auth no longer lists. */
async function pushOf(account: TestAccount, deviceId: number): Promise<unknown> {
  const { _entities } = await expectData<{ _entities: { push: unknown }[] }>(
    world.guardyn.subgraphs.notification?.url ?? '',
    'query ($r: [_Any!]!) { _entities(representations: $r) { ... on Device { push { platform } } } }',
    { r: [{ __typename: 'Device', id: `${account.userId}:${deviceId}` }] },
    account.accessToken,
  );
  return _entities[0]?.push ?? null;
}

describe('push tokens', () => {
  let alice: TestAccount;
  beforeAll(async () => {
    alice = await registerAccount(world.url);
  });

  it('registers, replaces and unregisters the caller’s device token; Device.push shows it', async () => {
    expect(await myDevices(alice)).toEqual([{ deviceId: 1, push: null }]);
    await expectData(
      world.url,
      register,
      { platform: 'APNS', token: apnsToken() },
      alice.accessToken,
    );
    const [registered] = await myDevices(alice);
    expect(registered?.push).toEqual({ platform: 'APNS', createdAt: expect.any(String) });

    await expectData(
      world.url,
      register,
      { platform: 'FCM', token: fcmToken() },
      alice.accessToken,
    );
    expect((await myDevices(alice))[0]?.push?.platform).toBe('FCM');

    const removed = await expectData<{ unregisterPushToken: boolean }>(
      world.url,
      'mutation { unregisterPushToken }',
      {},
      alice.accessToken,
    );
    expect(removed.unregisterPushToken).toBe(true);
    expect((await myDevices(alice))[0]?.push).toBeNull();
  });

  it('shows a device’s push registration to its own user only', async () => {
    const bob = await registerAccount(world.url);
    await expectData(
      world.url,
      register,
      { platform: 'APNS', token: apnsToken() },
      bob.accessToken,
    );
    const { user } = await expectData<{ user: { devices: DevicePush[] } }>(
      world.url,
      'query ($id: ID!) { user(id: $id) { devices { deviceId push { platform } } } }',
      { id: bob.userId },
      alice.accessToken,
    );
    expect(user.devices).toEqual([{ deviceId: 1, push: null }]);
  });

  it.each([
    ['an unknown platform', { platform: 'WNS', token: apnsToken() }, 'BAD_USER_INPUT'],
    ['an oversized token', { platform: 'FCM', token: 'a'.repeat(4097) }, 'PAYLOAD_TOO_LARGE'],
    [
      'an APNs token that is not hex',
      { platform: 'APNS', token: 'not-hex'.repeat(10) },
      'BAD_USER_INPUT',
    ],
    ['an empty token', { platform: 'FCM', token: '' }, 'BAD_USER_INPUT'],
  ])('refuses %s and changes nothing', async (_, variables, code) => {
    await expectData(
      world.url,
      register,
      { platform: 'APNS', token: apnsToken() },
      alice.accessToken,
    );
    const before = await myDevices(alice);
    const refused = await expectErrorCode(world.url, register, variables, alice.accessToken);
    expect(refused.code).toBe(code);
    expect(await myDevices(alice)).toEqual(before);
  });

  it('needs an access token', async () => {
    const response = await postGraphQL(world.url, register, {
      platform: 'APNS',
      token: apnsToken(),
    });
    expect(response.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
    const unregister = await postGraphQL(world.url, 'mutation { unregisterPushToken }');
    expect(unregister.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
  });

  it('drops the token of a device removed from its account (guardyn.device.revoked)', async () => {
    const carol = await registerAccount(world.url);
    const phone = await linkDevice(world.url, carol);
    await expectData(
      world.url,
      register,
      { platform: 'FCM', token: fcmToken() },
      phone.accessToken,
    );
    expect(await pushOf(carol, phone.deviceId)).toEqual({ platform: 'FCM' });

    await removeDevice(world.url, carol, phone.deviceId);
    expect(await eventually(() => pushOf(carol, phone.deviceId), null)).toBeNull();
  });
});
