import { randomBytes } from 'node:crypto';
import {
  authPayloadFields,
  type TestAccount,
  linkDevice,
  registerAccount,
  uniqueUsername,
} from '../../support/accounts.js';
import { expectData } from '../../support/graphql-client.js';
import { createGroupWith, type TestGroup } from '../../support/group-membership.js';
import type { DeviceKey } from './ledger.js';

/** One signed-in device: its address, registration id and tokens (renewed by refreshTokens). */
export interface LoadDevice {
  readonly key: DeviceKey;
  readonly userId: string;
  readonly deviceId: number;
  readonly registrationId: number;
  accessToken: string;
  refreshToken: string;
}

export interface LoadUser {
  readonly userId: string;
  /** Device 1 first (the one that sends), then the linked ones; each has a socket. */
  readonly devices: readonly LoadDevice[];
  /** A device without a socket, with an FCM token: it gets wake-ups and reads its inbox. */
  readonly offline?: LoadDevice & { readonly pushToken: string };
}

/** The accounts a scenario's load runs between: users with several devices, one MLS group. */
export interface LoadWorld {
  readonly users: readonly LoadUser[];
  /** All users in one group, created by the first (real MLS: commit and Welcome). */
  readonly group: TestGroup;
}

/** Every device of `user` that messages address, the offline one last. */
export function devicesOf(user: LoadUser): LoadDevice[] {
  return user.offline ? [...user.devices, user.offline] : [...user.devices];
}

export function allDevices(world: LoadWorld): LoadDevice[] {
  return world.users.flatMap(devicesOf);
}

/** Registers `userCount` users with `devicesPerUser` devices each and puts them in one group. */
export async function createLoadWorld(
  url: string,
  { userCount = 4, devicesPerUser = 2 } = {},
): Promise<LoadWorld> {
  const accounts = await Promise.all(
    Array.from({ length: userCount }, () =>
      registerAccount(url, { username: uniqueUsername('flt') }),
    ),
  );
  const users = await Promise.all(
    accounts.map(async (account): Promise<LoadUser> => {
      const devices: LoadDevice[] = [
        toDevice(account.userId, account.device.deviceId, account.device.registrationId, account),
      ];
      for (let extra = 1; extra < devicesPerUser; extra++) {
        const linked = await linkDevice(url, account);
        devices.push(
          toDevice(linked.userId, linked.deviceId, linked.device.registrationId, linked),
        );
      }
      return { userId: account.userId, devices };
    }),
  );
  const [owner, ...members] = accounts;
  const first = users[0];
  if (!owner || !first) throw new Error('a load world needs at least one user');
  users[0] = { ...first, offline: await offlineDevice(url, owner) };
  const group = await createGroupWith(url, owner, members);
  return { users, group };
}

/**
 * Renews every device's tokens (access tokens live 15 minutes, the suite longer): the world is
 * registered once, since registrations are limited per client address (30 an hour).
 */
export async function refreshTokens(url: string, world: LoadWorld): Promise<void> {
  for (const device of allDevices(world)) {
    const { refreshSession } = await expectData<{
      refreshSession: { accessToken: string; refreshToken: string };
    }>(
      url,
      `mutation ($t: String!) { refreshSession(refreshToken: $t) { ${authPayloadFields} } }`,
      {
        t: device.refreshToken,
      },
    );
    device.accessToken = refreshSession.accessToken;
    device.refreshToken = refreshSession.refreshToken;
  }
}

/** Links one more device to `account` and registers an FCM token for it. */
async function offlineDevice(
  url: string,
  account: TestAccount,
): Promise<LoadDevice & { pushToken: string }> {
  const linked = await linkDevice(url, account, { deviceName: 'offline' });
  const pushToken = `${randomBytes(8).toString('hex')}:APA91b${randomBytes(90).toString('base64url')}`;
  await expectData(
    url,
    'mutation ($t: String!) { registerPushToken(platform: FCM, token: $t) }',
    { t: pushToken },
    linked.accessToken,
  );
  return {
    ...toDevice(linked.userId, linked.deviceId, linked.device.registrationId, linked),
    pushToken,
  };
}

function toDevice(
  userId: string,
  deviceId: number,
  registrationId: number,
  tokens: { accessToken: string; refreshToken: string },
): LoadDevice {
  return {
    key: `${userId}:${deviceId}`,
    userId,
    deviceId,
    registrationId,
    accessToken: tokens.accessToken,
    refreshToken: tokens.refreshToken,
  };
}
