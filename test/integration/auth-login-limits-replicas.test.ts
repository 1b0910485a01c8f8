/**
 * The login and claim limits hold for a deployment, not per replica: two auth subgraphs with
 * limiters of their own (each its own NATS connection) on one NATS server and namespace, sharing
 * one store, as two replicas behind a load balancer would. Needs NATS with JetStream (skipped
 * without it, except under CI).
 */
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { createInProcessBus, type EventBus } from '../../shared/bus/index.js';
import { loadConfig } from '../../shared/config/index.js';
import type { RunningServer } from '../../shared/http/index.js';
import { createLogger } from '../../shared/logging/index.js';
import * as auth from '../../subgraphs/auth/index.js';
import { SqliteAuthStore } from '../../subgraphs/auth/store.sqlite/index.js';
import { registerAccount } from '../support/accounts.js';
import { CountingPasswordVerifier, postWithHeaders } from '../support/counting-passwords.js';
import { deleteNatsNamespace } from '../support/nats-namespace.js';
import { natsTestUrl, probeNats } from '../support/nats-probe.js';

const natsUnavailable = await probeNats();
if (natsUnavailable !== undefined) {
  process.stderr.write(`auth-login-limits-replicas.test: skipping: ${natsUnavailable}\n`);
}
const describeWithNats = natsUnavailable === undefined ? describe : describe.skip.bind(describe);

const loginMutation = `mutation ($input: LoginInput!) { login(input: $input) { accessToken } }`;
const claimMutation = `mutation ($userId: ID!) { claimPreKeyBundles(userId: $userId) { deviceId } }`;

describeWithNats('two auth replicas sharing NATS KV limits and one store', () => {
  const namespace = `replicas${randomBytes(6).toString('hex')}`;
  const verifiers = [new CountingPasswordVerifier(), new CountingPasswordVerifier()];
  const replicas: RunningServer[] = [];
  let dataDir: string;
  let bus: EventBus;

  beforeAll(async () => {
    dataDir = await mkdtemp(path.join(tmpdir(), 'guardyn-replicas-'));
    const config = loadConfig({
      GUARDYN_DATA_DIR: dataDir,
      GUARDYN_MESSAGING__NATS_URL: natsTestUrl,
      GUARDYN_MESSAGING__NATS_NAMESPACE: namespace,
    });
    const store = new SqliteAuthStore(path.join(dataDir, 'auth.sqlite'));
    const signer = await auth.loadSigningKeys(config);
    bus = createInProcessBus();
    for (const passwords of verifiers) {
      replicas.push(
        await auth.createSubgraph(config, {
          logger: createLogger('silent', 'auth'),
          bus,
          signer,
          port: 0,
          store,
          passwords,
          serviceOptions: {
            registrationsPerAddress: { limit: 1000, windowMs: 60_000 },
            claimsPerClaimantAndTarget: { limit: 3, windowMs: 60_000 },
          },
        }),
      );
    }
  });
  afterAll(async () => {
    for (const replica of replicas) await replica.stop();
    await bus.close();
    await rm(dataDir, { recursive: true, force: true });
    await deleteNatsNamespace(natsTestUrl, namespace);
  });

  const urlOf = (index: number): string => replicas[index % replicas.length]?.url ?? '';
  const checks = () => verifiers.reduce((sum, verifier) => sum + verifier.checks, 0);

  it('checks at most 5 of 30 concurrent wrong passwords spread over both replicas', async () => {
    const victim = await registerAccount(urlOf(0));
    const before = checks();
    const responses = await Promise.all(
      Array.from({ length: 30 }, (_, i) =>
        postWithHeaders(
          urlOf(i),
          loginMutation,
          { input: { username: victim.username, password: `guess-${i}`, deviceId: 1 } },
          // A different address for each attempt: only the per-username limit can stop them.
          { 'x-forwarded-for': `203.0.113.${i}` },
        ),
      ),
    );
    const codes = responses.map((response) => response.errors?.[0]?.extensions?.['code']);
    expect(checks() - before).toBe(5);
    expect(codes.filter((code) => code === 'UNAUTHENTICATED')).toHaveLength(5);
    expect(codes.filter((code) => code === 'RATE_LIMITED')).toHaveLength(25);
    // Which replica won the five checks is a race (one may have taken all five); both refuse
    // the right password now, so the count is shared whichever replica made it.
    for (const index of [0, 1]) {
      const response = await postWithHeaders(
        urlOf(index),
        loginMutation,
        { input: { username: victim.username, password: victim.password, deviceId: 1 } },
        { 'x-forwarded-for': '203.0.113.99' },
      );
      expect(response.errors?.[0]?.extensions?.['code']).toBe('RATE_LIMITED');
    }
  });

  it('counts claims per claimant and target across replicas', async () => {
    const target = await registerAccount(urlOf(0), { preKeys: 10 });
    const claimant = await registerAccount(urlOf(1));
    const codes = [];
    for (let i = 0; i < 6; i++) {
      const response = await postWithHeaders(
        urlOf(i),
        claimMutation,
        { userId: target.userId },
        { authorization: `Bearer ${claimant.accessToken}` },
      );
      codes.push(response.errors?.[0]?.extensions?.['code']);
    }
    expect(codes).toEqual([undefined, undefined, undefined, ...Array(3).fill('RATE_LIMITED')]);
  });
});
