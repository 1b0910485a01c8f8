import { describe, expect, it } from '@jest/globals';
import { decodeJwt, decodeProtectedHeader } from 'jose';
import {
  authPayloadFields,
  linkDevice,
  registerAccount,
  uniqueUsername,
  removeDevice,
} from '../support/accounts.js';
import { eventually } from '../support/eventually.js';
import { expectData, expectErrorCode, postGraphQL } from '../support/graphql-client.js';
import { createTestDevice, toDeviceKeysInput } from '../support/signal-device.js';
import { useTestGuardyn } from '../support/use-test-guardyn.js';

const registerMutation = `mutation ($input: RegisterInput!) { register(input: $input) { ${authPayloadFields} } }`;
const loginMutation = `mutation ($input: LoginInput!) { login(input: $input) { ${authPayloadFields} } }`;
const refreshMutation = `mutation ($token: String!) { refreshSession(refreshToken: $token) { ${authPayloadFields} } }`;

const world = useTestGuardyn({
  auth: {
    failedLoginsPerUsername: { limit: 3, windowMs: 60_000 },
    failedLoginsPerAddress: { limit: 1000, windowMs: 60_000 },
  },
});

async function register(username: string, password = 'correct horse') {
  const device = await createTestDevice();
  return postGraphQL<{ register: { user: { id: string } } }>(world.url, registerMutation, {
    input: { username, password, device: toDeviceKeysInput(device) },
  });
}

describe('register', () => {
  it('creates the account with device 1 and returns working tokens', async () => {
    const account = await registerAccount(world.url, { deviceName: 'phone' });
    const claims = decodeJwt(account.accessToken);
    expect(decodeProtectedHeader(account.accessToken)).toMatchObject({
      alg: 'EdDSA',
      kid: expect.any(String),
    });
    expect(claims).toMatchObject({ sub: account.userId, did: 1, sid: expect.any(String) });
    expect((claims.exp ?? 0) - (claims.iat ?? 0)).toBe(15 * 60);
    const { me } = await expectData<{ me: { id: string; username: string; devices: unknown[] } }>(
      world.url,
      '{ me { id username devices { id deviceId registrationId name } } }',
      {},
      account.accessToken,
    );
    expect(me).toEqual({
      id: account.userId,
      username: account.username,
      devices: [
        {
          id: `${account.userId}:1`,
          deviceId: 1,
          registrationId: account.device.registrationId,
          name: 'phone',
        },
      ],
    });
  });

  it.each([
    ['ab', 'too short'],
    ['a'.repeat(33), 'too long'],
    ['bad name', 'a space'],
    ['émile', 'a non-ASCII letter'],
    ['semi;colon', 'punctuation'],
  ])('refuses the username %j (%s)', async (username) => {
    const { code } = await expectErrorCode(world.url, registerMutation, {
      input: {
        username,
        password: 'correct horse',
        device: toDeviceKeysInput(await createTestDevice()),
      },
    });
    expect(code).toBe('BAD_USER_INPUT');
  });

  it.each([
    ['short', 'fewer than 8 characters'],
    ['x'.repeat(1025), 'more than 1024 bytes'],
    ['é'.repeat(513), 'more than 1024 bytes of UTF-8'],
  ])('refuses a password that has %s… (%s)', async (password) => {
    const username = uniqueUsername();
    const response = await register(username, password);
    expect(response.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    const again = await register(username);
    expect(again.errors).toBeUndefined();
  });

  it('treats usernames case-insensitively: CONFLICT when taken in any case', async () => {
    const username = uniqueUsername('Case');
    expect((await register(username)).errors).toBeUndefined();
    const response = await register(username.toUpperCase());
    expect(response.errors?.[0]?.extensions?.code).toBe('CONFLICT');
  });

  it('hands a username to exactly one of many concurrent registrations', async () => {
    const username = uniqueUsername('race');
    const responses = await Promise.all(Array.from({ length: 8 }, () => register(username)));
    const winners = responses.filter((response) => !response.errors);
    const codes = responses.flatMap(
      (response) => response.errors?.map((error) => error.extensions?.code) ?? [],
    );
    expect(winners).toHaveLength(1);
    expect(codes).toEqual(Array(7).fill('CONFLICT'));
  });
});

describe('login', () => {
  it('signs in on an existing device and links new ones up to six', async () => {
    const account = await registerAccount(world.url);
    const { login } = await expectData<{ login: { device: { deviceId: number } } }>(
      world.url,
      loginMutation,
      {
        input: {
          username: account.username.toUpperCase(),
          password: account.password,
          deviceId: 1,
        },
      },
    );
    expect(login.device.deviceId).toBe(1);

    const linked = [];
    for (let i = 0; i < 5; i++) linked.push((await linkDevice(world.url, account)).deviceId);
    expect(linked).toEqual([2, 3, 4, 5, 6]);
    const device = await createTestDevice();
    const { code } = await expectErrorCode(world.url, loginMutation, {
      input: {
        username: account.username,
        password: account.password,
        newDevice: toDeviceKeysInput(device),
      },
    });
    expect(code).toBe('CONFLICT');
  });

  it('answers a wrong password and an unknown user the same way', async () => {
    const account = await registerAccount(world.url);
    const wrongPassword = await expectErrorCode(world.url, loginMutation, {
      input: { username: account.username, password: 'not the password', deviceId: 1 },
    });
    const unknownUser = await expectErrorCode(world.url, loginMutation, {
      input: { username: uniqueUsername('ghost'), password: 'not the password', deviceId: 1 },
    });
    expect(wrongPassword.code).toBe('UNAUTHENTICATED');
    expect(unknownUser.code).toBe('UNAUTHENTICATED');
    expect(unknownUser.error.message).toBe(wrongPassword.error.message);
  });

  it('rate-limits failed logins per username, with retryAfterSeconds', async () => {
    const account = await registerAccount(world.url);
    const attempt = (password: string) =>
      expectErrorCode(world.url, loginMutation, {
        input: { username: account.username, password, deviceId: 1 },
      });
    for (let i = 0; i < 3; i++)
      expect((await attempt('wrong password')).code).toBe('UNAUTHENTICATED');
    const limited = await attempt(account.password);
    expect(limited.code).toBe('RATE_LIMITED');
    expect(limited.error.extensions?.['retryAfterSeconds']).toBeGreaterThan(0);
  });

  it('needs exactly one of deviceId and newDevice', async () => {
    const account = await registerAccount(world.url);
    const { code } = await expectErrorCode(world.url, loginMutation, {
      input: { username: account.username, password: account.password },
    });
    expect(code).toBe('BAD_USER_INPUT');
  });
});

describe('sessions', () => {
  it('rotates refresh tokens and revokes the session when an old one is reused', async () => {
    const account = await registerAccount(world.url);
    const first = await expectData<{
      refreshSession: { refreshToken: string; accessToken: string };
    }>(world.url, refreshMutation, { token: account.refreshToken });
    expect(first.refreshSession.refreshToken).not.toBe(account.refreshToken);

    const reuse = await expectErrorCode(world.url, refreshMutation, {
      token: account.refreshToken,
    });
    expect(reuse.code).toBe('UNAUTHENTICATED');
    // The whole session is gone: the newest refresh token and the access tokens stop working.
    expect(
      (
        await expectErrorCode(world.url, refreshMutation, {
          token: first.refreshSession.refreshToken,
        })
      ).code,
    ).toBe('UNAUTHENTICATED');
    expect(
      (await expectErrorCode(world.url, '{ me { id } }', {}, first.refreshSession.accessToken))
        .code,
    ).toBe('UNAUTHENTICATED');
  });

  it('lists sessions, revokes one, and logs out; revoked access tokens stop at once everywhere', async () => {
    const account = await registerAccount(world.url);
    const second = await expectData<{ login: { accessToken: string } }>(world.url, loginMutation, {
      input: { username: account.username, password: account.password, deviceId: 1 },
    });
    const { sessions } = await expectData<{
      sessions: { id: string; current: boolean; deviceId: number }[];
    }>(
      world.url,
      '{ sessions { id deviceId current createdAt lastUsedAt } }',
      {},
      account.accessToken,
    );
    expect(sessions).toHaveLength(2);
    const other = sessions.find((session) => !session.current);
    expect(other).toBeDefined();

    await expectData(
      world.url,
      'mutation ($id: ID!) { revokeSession(id: $id) }',
      { id: other?.id },
      account.accessToken,
    );
    // Auth refuses at once; the other subgraphs learn it from the bus (presence here).
    expect(
      (await expectErrorCode(world.url, '{ me { id } }', {}, second.login.accessToken)).code,
    ).toBe('UNAUTHENTICATED');
    const presenceProbe = async () =>
      (
        await expectErrorCode(
          world.url,
          'mutation { setPresence(status: AWAY) { status } }',
          {},
          second.login.accessToken,
        )
      ).code;
    expect(await eventually(presenceProbe, 'UNAUTHENTICATED')).toBe('UNAUTHENTICATED');

    expect(
      (
        await expectData<{ logout: boolean }>(
          world.url,
          'mutation { logout }',
          {},
          account.accessToken,
        )
      ).logout,
    ).toBe(true);
    expect(
      (await expectErrorCode(world.url, '{ sessions { id } }', {}, account.accessToken)).code,
    ).toBe('UNAUTHENTICATED');
  });

  it('refuses someone else’s session id with NOT_FOUND', async () => {
    const alice = await registerAccount(world.url);
    const bob = await registerAccount(world.url);
    const { sessions } = await expectData<{ sessions: { id: string }[] }>(
      world.url,
      '{ sessions { id } }',
      {},
      bob.accessToken,
    );
    const { code } = await expectErrorCode(
      world.url,
      'mutation ($id: ID!) { revokeSession(id: $id) }',
      { id: sessions[0]?.id },
      alice.accessToken,
    );
    expect(code).toBe('NOT_FOUND');
    expect((await expectData(world.url, '{ me { id } }', {}, bob.accessToken))['me']).toEqual({
      id: bob.userId,
    });
  });

  it('refuses garbage and tampered tokens', async () => {
    const account = await registerAccount(world.url);
    const [header, payload] = account.accessToken.split('.');
    const tampered = `${header}.${payload}.${Buffer.alloc(64).toString('base64url')}`;
    for (const token of ['garbage', tampered]) {
      expect((await expectErrorCode(world.url, '{ me { id } }', {}, token)).code).toBe(
        'UNAUTHENTICATED',
      );
    }
  });
});

describe('devices', () => {
  it('removes a linked device with its sessions, but never device 1', async () => {
    const account = await registerAccount(world.url);
    const linked = await linkDevice(world.url, account, { deviceName: 'tablet' });
    expect(
      (
        await expectErrorCode(
          world.url,
          'mutation { removeDevice(deviceId: 1) }',
          {},
          account.accessToken,
        )
      ).code,
    ).toBe('BAD_USER_INPUT');
    expect(
      (
        await expectErrorCode(
          world.url,
          'mutation { removeDevice(deviceId: 9) }',
          {},
          account.accessToken,
        )
      ).code,
    ).toBe('NOT_FOUND');
    await removeDevice(world.url, account, linked.deviceId);
    const { me } = await expectData<{ me: { devices: { deviceId: number }[] } }>(
      world.url,
      '{ me { devices { deviceId } } }',
      {},
      account.accessToken,
    );
    expect(me.devices.map((device) => device.deviceId)).toEqual([1]);
    expect((await expectErrorCode(world.url, '{ me { id } }', {}, linked.accessToken)).code).toBe(
      'UNAUTHENTICATED',
    );
    expect(
      (await expectErrorCode(world.url, refreshMutation, { token: linked.refreshToken })).code,
    ).toBe('UNAUTHENTICATED');
  });

  it('shows device names only to their owner', async () => {
    const alice = await registerAccount(world.url, { deviceName: 'alice phone' });
    const bob = await registerAccount(world.url);
    const { user } = await expectData<{
      user: { devices: { name: string | null; deviceId: number }[] };
    }>(
      world.url,
      'query ($id: ID!) { user(id: $id) { devices { deviceId name lastSeenAt } } }',
      { id: alice.userId },
      bob.accessToken,
    );
    expect(user.devices).toEqual([{ deviceId: 1, name: null, lastSeenAt: null }]);
  });
});

describe('lookups', () => {
  it('finds users by id and by username (any case), and needs a token', async () => {
    const alice = await registerAccount(world.url);
    const bob = await registerAccount(world.url);
    const data = await expectData<{
      byId: { username: string };
      byName: { id: string };
      nobody: null;
    }>(
      world.url,
      `query ($id: ID!, $name: String!) {
        byId: user(id: $id) { username }
        byName: userByUsername(username: $name) { id }
        nobody: user(id: "00000000-0000-4000-8000-000000000000") { id }
      }`,
      { id: alice.userId, name: alice.username.toUpperCase() },
      bob.accessToken,
    );
    expect(data).toEqual({
      byId: { username: alice.username },
      byName: { id: alice.userId },
      nobody: null,
    });
    expect((await expectErrorCode(world.url, '{ me { id } }')).code).toBe('UNAUTHENTICATED');
  });
});
