import { describe, expect, it } from '@jest/globals';
import { subgraphNames } from '../../shared/config/index.js';
import { registerAccount } from '../support/accounts.js';
import { expectData, expectErrorCode, postGraphQL } from '../support/graphql-client.js';
import { startDirectConversation } from '../support/messaging-client.js';
import { useTestGuardyn } from '../support/use-test-guardyn.js';

const world = useTestGuardyn();

describe('embedded supergraph', () => {
  it('runs the five subgraphs and the gateway; /health reports each subgraph', async () => {
    expect(Object.keys(world.guardyn.subgraphs).sort()).toEqual([...subgraphNames].sort());
    const response = await fetch(`${world.guardyn.gateway?.origin}/health`);
    expect(response.status).toBe(200);
    const report = (await response.json()) as {
      status: string;
      waitingFor: string[];
      checks: Record<string, { status: string }>;
    };
    expect(report.status).toBe('ok');
    expect(report.waitingFor).toEqual([]);
    expect(Object.keys(report.checks).sort()).toEqual(['bus', 'graphql', ...subgraphNames].sort());
    for (const server of Object.values(world.guardyn.subgraphs)) {
      const health = await fetch(`${server?.origin}/health`);
      expect(health.status).toBe(200);
      const metrics = await fetch(`${server?.origin}/metrics`);
      expect(await metrics.text()).toContain('guardyn_graphql_operations_total');
    }
  });

  it('resolves a query across subgraphs through entity references (auth user + presence)', async () => {
    const alice = await registerAccount(world.url);
    const bob = await registerAccount(world.url);
    const stranger = await registerAccount(world.url);
    // Alice speaks to Bob: that, not Bob's messages, lets Bob see her presence.
    await startDirectConversation(world.url, alice, bob);
    await expectData(
      world.url,
      'mutation { setPresence(status: AWAY) { status } }',
      {},
      alice.accessToken,
    );
    const { user } = await expectData<{ user: unknown }>(
      world.url,
      'query ($id: ID!) { user(id: $id) { username presence { status lastSeenAt } } }',
      { id: alice.userId },
      bob.accessToken,
    );
    expect(user).toEqual({
      username: alice.username,
      presence: { status: 'AWAY', lastSeenAt: expect.any(String) },
    });
    // Presence is only for those the user has spoken to.
    const unseen = await expectData<{ user: unknown }>(
      world.url,
      'query ($id: ID!) { user(id: $id) { username presence { status } } }',
      { id: alice.userId },
      stranger.accessToken,
    );
    expect(unseen.user).toEqual({ username: alice.username, presence: null });
  });

  it('forwards Authorization to every subgraph: presence refuses a missing token', async () => {
    const { code } = await expectErrorCode(
      world.url,
      'mutation { setPresence(status: ONLINE) { status } }',
    );
    expect(code).toBe('UNAUTHENTICATED');
  });

  it('maps requests that never reach a resolver to BAD_USER_INPUT', async () => {
    expect((await expectErrorCode(world.url, '{ nope }')).code).toBe('BAD_USER_INPUT');
    expect((await expectErrorCode(world.url, '{ me { id ')).code).toBe('BAD_USER_INPUT');
    const badVariable = await postGraphQL(world.url, 'query ($id: ID!) { user(id: $id) { id } }', {
      id: { x: 1 },
    });
    expect(badVariable.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
  });
});
