import { randomBytes } from 'node:crypto';
import { readdirSync } from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from '@jest/globals';
import { registerAccount, type TestAccount } from '../support/accounts.js';
import { postGraphQL } from '../support/graphql-client.js';
import { until } from '../support/eventually.js';
import { sendOpaqueMessage } from '../support/messaging-client.js';
import { samplesOf, scrape, type MetricSample } from '../support/metrics-text.js';
import { collect, connectSubscriptions } from '../support/subscriptions-client.js';
import { useTestGuardyn } from '../support/use-test-guardyn.js';
import { projectRoot } from '../../shared/supergraph/index.js';

let alice: TestAccount;
let bob: TestAccount;
const world = useTestGuardyn();
beforeAll(async () => {
  [alice, bob] = await Promise.all([registerAccount(world.url), registerAccount(world.url)]);
});

const origins = () =>
  [world.guardyn.gateway, ...Object.values(world.guardyn.subgraphs)].map(
    (server) => server?.origin ?? '',
  );

/**
 * The series a client's request can reach on every port: GraphQL operations and HTTP requests.
 * (Background work, such as the first mailbox sample or a sweep, adds its own fixed series at
 * its own time, which says nothing about what clients can do.)
 */
async function clientFacingSeries(): Promise<string[]> {
  const all = await Promise.all(origins().map((origin) => scrape(origin)));
  return all
    .flat()
    .filter((sample) => /^guardyn_(graphql|http)_/.test(sample.name))
    .map((sample) => `${sample.name}${JSON.stringify(sample.labels)}`)
    .sort();
}

const knownOperations = new Set(
  readdirSync(path.join(projectRoot, 'schema', 'operations')).map((file) =>
    file.replace(/\.graphql$/, ''),
  ),
);

const randomName = () => `Op_${randomBytes(8).toString('hex')}`;

async function sendNamed(count: number): Promise<void> {
  for (let start = 0; start < count; start += 50) {
    await Promise.all(
      Array.from({ length: Math.min(50, count - start) }, async () => {
        const response = await postGraphQL(world.url, `query ${randomName()} { __typename }`);
        expect(response.status).toBe(200);
      }),
    );
  }
}

describe('metrics', () => {
  it('does not grow a series for each operation name a client makes up', async () => {
    await sendNamed(5);
    await clientFacingSeries(); // scrapes count too: the series of /metrics itself exist from here on
    const before = await clientFacingSeries();
    await sendNamed(1_000);
    const after = await clientFacingSeries();

    expect(after).toEqual(before);
    for (const origin of origins()) {
      expect(await (await fetch(`${origin}/metrics`)).text()).not.toContain('Op_');
    }
    const gateway = await scrape(world.guardyn.gateway?.origin ?? '');
    const names = new Set(
      samplesOf(gateway, 'guardyn_graphql_operations_total').map((s) => s.labels['operation']),
    );
    // Only names of the project's own operations (schema/operations/, e.g. the Register the test
    // account was made with) and `other`: none of the made-up ones.
    for (const name of names)
      expect(name === 'other' || knownOperations.has(name ?? '')).toBe(true);
    expect(names.has('other')).toBe(true);
    expect(
      samplesOf(gateway, 'guardyn_graphql_operations_total', {
        type: 'query',
        operation: 'other',
        outcome: 'ok',
      })[0]?.value,
    ).toBeGreaterThanOrEqual(1_005);
  });

  it('labels anonymous and unparsable operations without their text', async () => {
    await postGraphQL(world.url, '{ __typename }');
    await postGraphQL(world.url, 'query Broken {');
    const gateway = await scrape(world.guardyn.gateway?.origin ?? '');
    expect(
      samplesOf(gateway, 'guardyn_graphql_operations_total', {
        type: 'query',
        operation: 'anonymous',
        outcome: 'ok',
      }),
    ).toHaveLength(1);
    expect(
      samplesOf(gateway, 'guardyn_graphql_operations_total', { type: 'unknown', outcome: 'error' }),
    ).toHaveLength(1);
    expect(
      samplesOf(gateway, 'guardyn_http_requests_total', {
        route: 'graphql',
        method: 'POST',
        status: '200',
      })[0]?.value,
    ).toBeGreaterThan(0);
  });

  it('exposes sockets, subscriptions by field, bus, store and process metrics on the gateway', async () => {
    const socket = connectSubscriptions(world.url, bob.accessToken);
    const messages = collect(socket.client, 'subscription { messageReceived { id } }');
    await socket.connected;
    const value = (samples: MetricSample[], name: string, labels: Record<string, string> = {}) =>
      samplesOf(samples, name, labels).reduce((sum, sample) => sum + sample.value, 0);
    const gatewayOrigin = world.guardyn.gateway?.origin ?? '';
    const active = () =>
      scrape(gatewayOrigin).then((samples) =>
        value(samples, 'guardyn_subscriptions_active', { field: 'messageReceived' }),
      );
    expect(await until(active, (count) => count === 1)).toBe(1);

    await sendOpaqueMessage(world.url, alice, bob);
    await messages.waitFor(1);
    const samples = await scrape(gatewayOrigin);
    expect(value(samples, 'guardyn_subscription_sockets_open')).toBe(1);
    expect(
      value(samples, 'guardyn_graphql_operations_total', {
        type: 'subscription',
        operation: 'anonymous',
        outcome: 'ok',
      }),
    ).toBe(1);
    expect(value(samples, 'guardyn_bus_messages_published_total', { family: 'mailbox' })).toBe(1);
    expect(
      value(samples, 'guardyn_bus_messages_published_total', {
        family: 'push',
        delivery: 'durable',
      }),
    ).toBe(1);
    expect(
      value(samples, 'guardyn_bus_messages_consumed_total', { family: 'connection' }),
    ).toBeGreaterThan(0);
    expect(
      value(samples, 'guardyn_store_call_seconds_count', {
        store: 'messaging',
        operation: 'storeMessageWithinQuota',
        outcome: 'ok',
      }),
    ).toBe(1);
    expect(samplesOf(samples, 'guardyn_mailbox_envelopes_pending')).toHaveLength(1);
    if (process.env['GUARDYN_MESSAGING__NATS_URL']) {
      // JetStream reports each durable consumer's lag with its deliveries (push, revocations).
      const lag = await until(
        () => scrape(gatewayOrigin),
        (latest) =>
          samplesOf(latest, 'guardyn_bus_consumer_pending_messages', {
            consumer: 'notification-push',
          }).length === 1,
      );
      expect(
        samplesOf(lag, 'guardyn_bus_consumer_pending_messages', { consumer: 'notification-push' }),
      ).toEqual([expect.objectContaining({ value: expect.any(Number) })]);
    }
    expect(samplesOf(samples, 'process_cpu_user_seconds_total')).toHaveLength(1);
    // The process's metrics are exposed once per process: not again on a subgraph's port.
    const messaging = await scrape(world.guardyn.subgraphs.messaging?.origin ?? '');
    expect(samplesOf(messaging, 'process_cpu_user_seconds_total')).toHaveLength(0);
    expect(samplesOf(messaging, 'guardyn_graphql_operations_total').length).toBeGreaterThan(0);

    messages.stop();
    expect(await until(active, (count) => count === 0)).toBe(0);
    await socket.dispose();
  });

  it('labels every bus and store series from fixed sets, never with ids', async () => {
    const samples = (await Promise.all(origins().map((origin) => scrape(origin)))).flat();
    const ids = [alice.userId, bob.userId];
    for (const sample of samples) {
      for (const label of Object.values(sample.labels)) {
        expect(ids.some((id) => label.includes(id))).toBe(false);
      }
    }
  });
});
