import { afterAll, beforeAll, expect, it } from '@jest/globals';
import { registerAccount, type TestAccount } from '../support/accounts.js';
import {
  startDistributedGuardyn,
  type DistributedGuardyn,
} from '../support/distributed-guardyn.js';
import { until } from '../support/eventually.js';
import { expectErrorCode } from '../support/graphql-client.js';
import { sendOpaqueMessage } from '../support/messaging-client.js';

/**
 * A subgraph process that is gone (killed, not yet restarted) is SERVICE_UNAVAILABLE to clients,
 * a code they retry on, never INTERNAL: whether the gateway calls it for the client's operation
 * or another subgraph calls it for an entity. Distributed: each service its own process.
 */
const natsUrl = process.env['GUARDYN_MESSAGING__NATS_URL'] ?? 'nats://127.0.0.1:4222';
let guardyn: DistributedGuardyn;
let alice: TestAccount;
let bob: TestAccount;

beforeAll(async () => {
  guardyn = await startDistributedGuardyn(natsUrl, {}, { restartCrashed: true });
  [alice, bob] = await Promise.all([registerAccount(guardyn.url), registerAccount(guardyn.url)]);
}, 120_000);
afterAll(() => guardyn?.dispose(), 60_000);

it('answers SERVICE_UNAVAILABLE while the subgraph a field needs is down', async () => {
  await guardyn.killService('messaging');
  const failure = await sendOpaqueMessage(guardyn.url, alice, bob).then(
    () => 'sent',
    (error: unknown) => String(error),
  );
  expect(failure).toMatch(/SERVICE_UNAVAILABLE/);
  expect(failure).not.toMatch(/127\.0\.0\.1|ECONNREFUSED/);
  await guardyn.startService('messaging');
  await sendOpaqueMessage(guardyn.url, alice, bob);
}, 120_000);

it('answers SERVICE_UNAVAILABLE while auth, which every token check needs, is down', async () => {
  await guardyn.killService('auth');
  const { code } = await expectErrorCode(guardyn.url, '{ me { id } }', {}, alice.accessToken);
  expect(code).toBe('SERVICE_UNAVAILABLE');
  await guardyn.startService('auth');
}, 120_000);

it('the harness starts a process that died on its own again, as an orchestrator would', async () => {
  const pid = guardyn.pidOf('notification');
  if (pid === undefined) throw new Error('no notification process');
  process.kill(pid, 'SIGKILL');
  const healthy = await until(
    async () => {
      const restarted = guardyn.pidOf('notification');
      if (restarted === undefined || restarted === pid) return false;
      return fetch(`http://127.0.0.1:${guardyn.ports.notification}/health`).then(
        (response) => response.ok,
        () => false,
      );
    },
    (ok) => ok,
    60_000,
  );
  expect(healthy).toBe(true);
  expect(guardyn.crashes()).toEqual([
    expect.objectContaining({ service: 'notification', signal: 'SIGKILL' }),
  ]);
}, 120_000);
