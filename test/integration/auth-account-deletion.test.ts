/**
 * deleteAccount at the auth boundary: the password check is a login (the same limits, the same
 * answer), a signed-out call is refused, and the username quarantine is configurable (0 days:
 * free at once). The deletion in every subgraph is the e2e scenario's (test/e2e/).
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from '@jest/globals';
import { SqliteAuthStore } from '../../subgraphs/auth/store.sqlite/index.js';
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

/** An auth store whose first account deletion fails, as a store outage would make it. */
class FailingOnceAuthStore extends SqliteAuthStore {
  failures = 1;
  override async deleteAccount(...args: Parameters<SqliteAuthStore['deleteAccount']>) {
    if (this.failures-- > 0) throw new Error('the store went away');
    return super.deleteAccount(...args);
  }
}

describe('deleteAccount when auth fails to delete after the announcement', () => {
  let storeDir = '';
  const guardyn = useTestGuardyn(async () => {
    storeDir = await mkdtemp(path.join(tmpdir(), 'guardyn-deletion-'));
    return { stores: { auth: new FailingOnceAuthStore(path.join(storeDir, 'auth.sqlite')) } };
  });
  afterAll(() => rm(storeDir, { recursive: true, force: true }));

  it('keeps the account for a retry, which deletes it', async () => {
    const account = await registerAccount(guardyn.url);
    const attempt = () =>
      expectErrorCode(
        guardyn.url,
        DeleteAccountDocument,
        { password: account.password },
        account.accessToken,
      );
    expect((await attempt()).code).toBe('INTERNAL');
    // Nothing lost for good: the account, its token and its password still work.
    await expectData(guardyn.url, '{ me { id } }', {}, account.accessToken);
    await expectData(
      guardyn.url,
      DeleteAccountDocument,
      { password: account.password },
      account.accessToken,
    );
    const login = await expectErrorCode(guardyn.url, loginMutation, {
      input: { username: account.username, password: account.password, deviceId: 1 },
    });
    expect(login.code).toBe('UNAUTHENTICATED');
  });
});
