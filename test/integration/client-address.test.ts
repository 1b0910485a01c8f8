/**
 * Attack: rotate X-Forwarded-For on every failed login so that the per-address limit (20 per
 * 15 minutes) never trips. Only trusted proxies may say who the client is.
 */
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { startGuardyn, type Guardyn } from '../../main.js';
import { loadConfig } from '../../shared/config/index.js';
import { defaultAuthServiceOptions } from '../../subgraphs/auth/service.js';
import type { ClientError } from '../support/graphql-client.js';
import { useTestGuardyn } from '../support/use-test-guardyn.js';

const addressLimit = defaultAuthServiceOptions.failedLoginsPerAddress.limit;

/** A failed login (an unknown user each time, so the per-username limit stays out of it). */
async function failedLogin(url: string, forwardedFor: string): Promise<ClientError | undefined> {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-forwarded-for': forwardedFor },
    body: JSON.stringify({
      query: 'mutation ($input: LoginInput!) { login(input: $input) { accessToken } }',
      variables: {
        input: { username: `nobody_${randomBytes(5).toString('hex')}`, password: 'x', deviceId: 1 },
      },
    }),
  });
  const body = (await response.json()) as { errors?: ClientError[] };
  return body.errors?.[0];
}

/** A fresh spoofed address per request: what the attacker rotates. */
let spoofed = 0;
const nextSpoofedAddress = () => `198.51.100.${(spoofed++ % 250) + 1}`;

async function exhaustAddressLimit(url: string, forwardedFor: () => string): Promise<void> {
  for (let attempt = 0; attempt < addressLimit; attempt++) {
    expect((await failedLogin(url, forwardedFor()))?.extensions?.code).toBe('UNAUTHENTICATED');
  }
}

/** One service (or several) of a distributed deployment, in this process. */
async function startService(
  env: Record<string, string>,
): Promise<Guardyn & { dispose(): Promise<void> }> {
  const dataDir = await mkdtemp(path.join(tmpdir(), 'guardyn-xff-'));
  const guardyn = await startGuardyn(
    loadConfig({ GUARDYN_DATA_DIR: dataDir, GUARDYN_OBSERVABILITY__LOG_LEVEL: 'silent', ...env }),
    { ephemeralPorts: true },
  );
  return {
    ...guardyn,
    async dispose() {
      await guardyn.stop();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}

/** This test's client connects over loopback: a trusted range that excludes it. */
const someOtherNetwork = '192.0.2.0/24';

describe('a subgraph reached from an untrusted peer', () => {
  let auth: Guardyn & { dispose(): Promise<void> };
  beforeAll(async () => {
    auth = await startService({
      GUARDYN_SERVICE_NAME: 'auth',
      GUARDYN_HTTP__TRUSTED_PROXIES: someOtherNetwork,
    });
  });
  afterAll(() => auth.dispose());

  it('keeps the per-address login limit while X-Forwarded-For rotates', async () => {
    const url = auth.subgraphs.auth?.url ?? '';
    await exhaustAddressLimit(url, nextSpoofedAddress);
    const refused = await failedLogin(url, nextSpoofedAddress());
    expect(refused?.extensions?.code).toBe('RATE_LIMITED');
    expect(refused?.extensions?.['retryAfterSeconds']).toEqual(expect.any(Number));
  });
});

describe('a gateway reached from an untrusted peer', () => {
  let auth: Guardyn & { dispose(): Promise<void> };
  let gateway: Guardyn & { dispose(): Promise<void> };
  beforeAll(async () => {
    // Auth trusts the gateway's hop (loopback, the default); the gateway trusts no proxy of ours.
    auth = await startService({ GUARDYN_SERVICE_NAME: 'auth' });
    const authUrl = auth.subgraphs.auth?.url ?? '';
    gateway = await startService({
      GUARDYN_SERVICE_NAME: 'gateway',
      GUARDYN_HTTP__TRUSTED_PROXIES: someOtherNetwork,
      GUARDYN_GATEWAY__AUTH_URL: authUrl,
      GUARDYN_AUTH__JWKS_URL: new URL('/.well-known/jwks.json', authUrl).href,
    });
  });
  afterAll(async () => {
    await gateway.dispose();
    await auth.dispose();
  });

  it('forwards the peer address, not the header, so the limit holds', async () => {
    const url = gateway.gateway?.url ?? '';
    await exhaustAddressLimit(url, nextSpoofedAddress);
    expect((await failedLogin(url, nextSpoofedAddress()))?.extensions?.code).toBe('RATE_LIMITED');
  });
});

describe('a gateway behind a trusted proxy (embedded: loopback is trusted)', () => {
  const world = useTestGuardyn();

  it('counts each client the proxy names on its own, and ignores what clients forged', async () => {
    // The proxy appends the client it saw; the first entry is the client's own forgery.
    const client = (address: string) => () => `${nextSpoofedAddress()}, ${address}`;
    await exhaustAddressLimit(world.url, client('203.0.113.7'));
    expect((await failedLogin(world.url, client('203.0.113.7')()))?.extensions?.code).toBe(
      'RATE_LIMITED',
    );
    // Another client behind the same proxy is not limited by the first one's failures.
    expect((await failedLogin(world.url, client('203.0.113.8')()))?.extensions?.code).toBe(
      'UNAUTHENTICATED',
    );
  });
});
