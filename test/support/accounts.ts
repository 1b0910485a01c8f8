import { randomBytes } from 'node:crypto';
import { ProtocolAddress } from '@signalapp/libsignal-client';
import { LinkDeviceDocument, RegisterDocument } from '../../schema/generated/operations.js';
import { expectData } from './graphql-client.js';
import {
  createTestDevice,
  toDeviceKeysInput,
  type TestDevice,
  type TestDeviceOptions,
} from './signal-device.js';

/** A registered user as a test client holds it: tokens and the device's private key material. */
export interface TestAccount {
  readonly userId: string;
  readonly username: string;
  readonly password: string;
  readonly accessToken: string;
  readonly refreshToken: string;
  readonly device: TestDevice;
}

/** The AuthPayload selection of schema/operations/Register.graphql, for tests' inline operations. */
export const authPayloadFields = `
  accessToken refreshToken expiresAt
  user { id username createdAt }
  device { id deviceId registrationId name createdAt lastSeenAt }
`;

/** The same device keys, now at the address the server assigned. */
export function atAddress(device: TestDevice, userId: string, deviceId: number): TestDevice {
  return { ...device, userId, deviceId, address: ProtocolAddress.new(userId, deviceId) };
}

export function uniqueUsername(prefix = 'user'): string {
  return `${prefix}_${randomBytes(5).toString('hex')}`;
}

/** Registers a user with a freshly generated libsignal device through the API. */
export async function registerAccount(
  url: string,
  options: TestDeviceOptions & { username?: string; password?: string; deviceName?: string } = {},
): Promise<TestAccount> {
  const username = options.username ?? uniqueUsername();
  const password = options.password ?? `pw-${randomBytes(8).toString('hex')}`;
  const device = await createTestDevice(options);
  const { register } = await expectData(url, RegisterDocument, {
    input: { username, password, device: toDeviceKeysInput(device, options.deviceName) },
  });
  return {
    userId: register.user.id,
    username,
    password,
    accessToken: register.accessToken,
    refreshToken: register.refreshToken,
    device: atAddress(device, register.user.id, register.device.deviceId),
  };
}

/** Links a new libsignal device to an account by logging in with `newDevice`. */
export async function linkDevice(
  url: string,
  account: Pick<TestAccount, 'username' | 'password'>,
  options: TestDeviceOptions & { deviceName?: string } = {},
): Promise<TestAccount & { deviceId: number }> {
  const device = await createTestDevice(options);
  const { login } = await expectData(url, LinkDeviceDocument, {
    input: {
      username: account.username,
      password: account.password,
      newDevice: toDeviceKeysInput(device, options.deviceName),
    },
  });
  return {
    userId: login.user.id,
    username: account.username,
    password: account.password,
    accessToken: login.accessToken,
    refreshToken: login.refreshToken,
    deviceId: login.device.deviceId,
    device: atAddress(device, login.user.id, login.device.deviceId),
  };
}

/** Removes one of the account's devices (its sessions end, its sockets close). */
export async function removeDevice(url: string, account: TestAccount, deviceId: number) {
  await expectData(
    url,
    'mutation ($d: Int!) { removeDevice(deviceId: $d) }',
    { d: deviceId },
    account.accessToken,
  );
}
