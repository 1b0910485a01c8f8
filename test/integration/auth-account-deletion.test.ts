/**
 * deleteAccount at the auth boundary: the password check is a login (the same limits, the same
 * answer), a signed-out call is refused, and the username quarantine is configurable (0 days:
 * free at once). The deletion in every subgraph is the e2e scenario's (test/e2e/).
 */
import { describe, expect, it } from '@jest/globals';
import { DeleteAccountDocument, RegisterDocument } from '../../schema/generated/operations.js';
import { registerAccount } from '../support/accounts.js';
import { expectData, expectErrorCode } from '../support/graphql-client.js';
import { createTestDevice, toDeviceKeysInput } from '../support/signal-device.js';
import { useTestGuardyn } from '../support/use-test-guardyn.js';

const loginMutation = `mutation ($input: LoginInput!) { login(input: $input) { accessToken } }`;

describe('deleteAccount', () => {
  const guardyn = useTestGuardyn({ env: { GUARDYN_AUTH__USERNAME_QUARANTINE_DAYS: '0' } });

  it('needs a token', async () => {
    const { code } = await expectErrorCode(guardyn.url, DeleteAccountDocument, {
      password: 'whatever-it-is',
    });
    expect(code).toBe('UNAUTHENTICATED');
  });

  it('counts wrong passwords as failed logins of the username, then refuses them all', async () => {
    const account = await registerAccount(guardyn.url);
    const attempt = (password: string) =>
      expectErrorCode(guardyn.url, DeleteAccountDocument, { password }, account.accessToken);
    const codes: (string | undefined)[] = [];
    for (let tries = 0; tries < 5; tries++) codes.push((await attempt(`wrong-${tries}`)).code);
    expect(codes).toEqual(Array(5).fill('UNAUTHENTICATED'));
    // The username's five failures are spent: the right password waits too, and so does login.
    expect((await attempt(account.password)).code).toBe('RATE_LIMITED');
    const login = await expectErrorCode(guardyn.url, loginMutation, {
      input: { username: account.username, password: account.password, deviceId: 1 },
    });
    expect(login.code).toBe('RATE_LIMITED');
    await expectData(guardyn.url, '{ me { id } }', {}, account.accessToken);
  });

  it('frees the username at once with a quarantine of 0 days', async () => {
    const account = await registerAccount(guardyn.url);
    await expectData(
      guardyn.url,
      DeleteAccountDocument,
      { password: account.password },
      account.accessToken,
    );
    const device = await createTestDevice();
    const { register } = await expectData(guardyn.url, RegisterDocument, {
      input: {
        username: account.username,
        password: account.password,
        device: toDeviceKeysInput(device),
      },
    });
    expect(register.user.id).not.toBe(account.userId);
  });
});
