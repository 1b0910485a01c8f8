import {
  authPayloadFields,
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
  /** Device 1 first (the one that sends), then the linked ones. */
  readonly devices: readonly LoadDevice[];
}

/** The accounts a scenario's load runs between: users with several devices, one MLS group. */
export interface LoadWorld {
  readonly users: readonly LoadUser[];
  /** All users in one group, created by the first (real MLS: commit and Welcome). */
  readonly group: TestGroup;
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
  if (!owner) throw new Error('a load world needs at least one user');
  const group = await createGroupWith(url, owner, members);
  return { users, group };
}

/**
 * Renews every device's tokens (access tokens live 15 minutes, the suite longer): the world is
 * registered once, since registrations are limited per client address (30 an hour).
 */
export async function refreshTokens(url: string, world: LoadWorld): Promise<void> {
  for (const device of world.users.flatMap((user) => user.devices)) {
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
