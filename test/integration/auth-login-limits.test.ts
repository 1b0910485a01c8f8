/**
 * Attacks on the login limits of one auth process, replayed through the gateway and straight at
 * the auth port: concurrent password guessing, and oversized usernames meant to hold memory.
 * Verifications are counted with an injected verifier around the real argon2id one.
 */
import { randomBytes } from 'node:crypto';
import { beforeAll, describe, expect, it } from '@jest/globals';
import { registerAccount } from '../support/accounts.js';
import { CountingPasswordVerifier, postWithHeaders } from '../support/counting-passwords.js';
import { expectData, expectErrorCode } from '../support/graphql-client.js';
import { createTestDevice, toDeviceKeysInput } from '../support/signal-device.js';
import { manyRegistrations } from '../support/test-guardyn.js';
import { useTestGuardyn } from '../support/use-test-guardyn.js';

const loginMutation = `mutation ($input: LoginInput!) { login(input: $input) { accessToken } }`;

let authUrl: string;
const passwords = new CountingPasswordVerifier();

const world = useTestGuardyn({
  authPasswords: passwords,
  auth: manyRegistrations,
});
beforeAll(async () => {
  const auth = world.guardyn.subgraphs.auth;
  if (!auth) throw new Error('embedded mode runs auth');
  authUrl = auth.url;
});

/**
 * A fresh client address (in the IPv6 documentation range), named in X-Forwarded-For: the auth
 * port and the gateway believe it because these requests come from loopback, a trusted proxy.
 */
function address(): string {
  const hex = randomBytes(8).toString('hex').match(/.{4}/g) ?? [];
  return `2001:db8::${hex.join(':')}`;
}

type Outcome = { code: string | undefined; retryAfterSeconds: unknown };

async function loginAt(
  url: string,
  username: string,
  password: string,
  headers: Record<string, string> = {},
): Promise<Outcome> {
  const response = await postWithHeaders(
    url,
    loginMutation,
    { input: { username, password, deviceId: 1 } },
    headers,
  );
  const extensions = response.errors?.[0]?.extensions;
  return {
    code: extensions?.['code'] as string | undefined,
    retryAfterSeconds: extensions?.['retryAfterSeconds'],
  };
}

function tally(outcomes: readonly Outcome[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const { code } of outcomes) counts[code ?? 'OK'] = (counts[code ?? 'OK'] ?? 0) + 1;
  return counts;
}

describe('concurrent password guessing for one username', () => {
  it.each([
    ['through the gateway', () => world.url, () => ({})],
    ['straight at the auth port', () => authUrl, () => ({ 'x-forwarded-for': address() })],
  ])('%s: 30 at once check at most 5 passwords', async (_where, url, headers) => {
    const victim = await registerAccount(world.url);
    const before = passwords.checks;
    const forwarded = headers();
    const outcomes = await Promise.all(
      Array.from({ length: 30 }, (_, i) =>
        loginAt(url(), victim.username, `guess-${i}`, forwarded),
      ),
    );
    expect(passwords.checks - before).toBe(5);
    expect(tally(outcomes)).toEqual({ UNAUTHENTICATED: 5, RATE_LIMITED: 25 });
    for (const outcome of outcomes.filter((o) => o.code === 'RATE_LIMITED')) {
      expect(outcome.retryAfterSeconds).toBeGreaterThan(0);
    }
    // Even the right password is refused now, without being checked.
    expect((await loginAt(url(), victim.username, victim.password, forwarded)).code).toBe(
      'RATE_LIMITED',
    );
    expect(passwords.checks - before).toBe(5);
  });

  it('counts only failures: a successful login gives its attempt back', async () => {
    const user = await registerAccount(world.url);
    const headers = { 'x-forwarded-for': address() };
    for (let i = 0; i < 4; i++) {
      expect((await loginAt(authUrl, user.username, 'wrong password', headers)).code).toBe(
        'UNAUTHENTICATED',
      );
    }
    const successes = await Promise.all(
      Array.from({ length: 3 }, () => loginAt(authUrl, user.username, user.password, headers)),
    );
    // Each success held a slot while it was checked, so concurrent ones may be refused, never counted.
    expect(successes.filter((outcome) => outcome.code === undefined).length).toBeGreaterThan(0);
    expect((await loginAt(authUrl, user.username, user.password, headers)).code).toBeUndefined();
    expect((await loginAt(authUrl, user.username, 'wrong password', headers)).code).toBe(
      'UNAUTHENTICATED',
    );
    expect((await loginAt(authUrl, user.username, user.password, headers)).code).toBe(
      'RATE_LIMITED',
    );
  });
});

describe('password guessing across usernames from one address', () => {
  it('checks at most 20 passwords per address, however many usernames', async () => {
    const headers = { 'x-forwarded-for': address() };
    const before = passwords.checks;
    const outcomes = await Promise.all(
      Array.from({ length: 30 }, (_, i) =>
        loginAt(authUrl, `someone_${i}_${randomBytes(3).toString('hex')}`, 'guess', headers),
      ),
    );
    expect(passwords.checks - before).toBe(20);
    expect(tally(outcomes)).toEqual({ UNAUTHENTICATED: 20, RATE_LIMITED: 10 });
  });
});

describe('oversized usernames', () => {
  const huge = 'a'.repeat(4 * 1024 * 1024);

  it.each([
    ['through the gateway', () => world.url],
    ['straight at the auth port', () => authUrl],
  ])('%s: refused with BAD_USER_INPUT before any check or count', async (_where, url) => {
    const before = passwords.checks;
    const token = (await registerAccount(world.url)).accessToken;
    const headers = { 'x-forwarded-for': address() };
    for (let i = 0; i < 10; i++) {
      const outcome = await loginAt(url(), `${huge}${i}`, 'some password', headers);
      expect(outcome.code).toBe('BAD_USER_INPUT');
    }
    expect(passwords.checks - before).toBe(0);
    // Nothing was counted for this address either: a valid attempt still gets checked.
    expect((await loginAt(url(), 'nobody_here', 'some password', headers)).code).toBe(
      'UNAUTHENTICATED',
    );

    const register = await expectErrorCode(
      url(),
      'mutation ($input: RegisterInput!) { register(input: $input) { accessToken } }',
      {
        input: {
          username: huge,
          password: 'long enough',
          device: toDeviceKeysInput(await createTestDevice()),
        },
      },
    );
    expect(register.code).toBe('BAD_USER_INPUT');
    const lookup = await expectErrorCode(
      url(),
      'query ($u: String!) { userByUsername(username: $u) { id } }',
      { u: huge },
      token,
    );
    expect(lookup.code).toBe('BAD_USER_INPUT');
    const found = await expectData<{ userByUsername: null }>(
      url(),
      'query ($u: String!) { userByUsername(username: $u) { id } }',
      { u: 'nobody_here' },
      token,
    );
    expect(found.userByUsername).toBeNull();
  });

  it('refuses an oversized password at login before checking it', async () => {
    const user = await registerAccount(world.url);
    const before = passwords.checks;
    const outcome = await loginAt(authUrl, user.username, 'x'.repeat(1025), {
      'x-forwarded-for': address(),
    });
    expect(outcome.code).toBe('BAD_USER_INPUT');
    expect(passwords.checks - before).toBe(0);
  });
});
