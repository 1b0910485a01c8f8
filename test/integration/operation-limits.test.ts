import { beforeAll, describe, expect, it } from '@jest/globals';
import { registerAccount, type TestAccount } from '../support/accounts.js';
import { expectData, postGraphQL } from '../support/graphql-client.js';
import { useTestGuardyn } from '../support/use-test-guardyn.js';

/**
 * The gateway refuses operations over its limits before planning: the attacks below get
 * BAD_USER_INPUT naming the limit, and no subgraph sees a single operation.
 */
let alice: TestAccount;
let bob: TestAccount;
// A lower cost limit than the default, to show the setting reaches the gateway.
const world = useTestGuardyn({ env: { GUARDYN_GATEWAY__MAX_COST: '1000' } });
beforeAll(async () => {
  [alice, bob] = await Promise.all([registerAccount(world.url), registerAccount(world.url)]);
});

/** GraphQL operations every subgraph has served so far, from their own /metrics. */
async function subgraphOperations(): Promise<number> {
  let total = 0;
  for (const server of Object.values(world.guardyn.subgraphs)) {
    const text = await (await fetch(`${server?.origin}/metrics`)).text();
    for (const line of text.split('\n')) {
      if (line.startsWith('guardyn_graphql_operations_total{'))
        total += Number(line.split(' ').pop());
    }
  }
  return total;
}

async function expectRefusedBeforePlanning(
  query: string,
  variables: Record<string, unknown>,
  limit: string,
) {
  const before = await subgraphOperations();
  const response = await postGraphQL(world.url, query, variables, alice.accessToken);
  expect(response.status).toBe(400);
  expect(response.data).toBeUndefined();
  expect(response.errors).toHaveLength(1);
  expect(response.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', limit });
  expect(response.errors?.[0]?.message).toContain(limit);
  expect(await subgraphOperations()).toBe(before);
}

const aliases = (count: number, selection: string) =>
  Array.from({ length: count }, (_, i) => `a${i}: ${selection}`).join(' ');

describe('operation limits at the gateway', () => {
  it('refuses the 1,000-alias presence fan-out without calling any subgraph', async () => {
    const query = `query ($id: ID!) { ${aliases(1000, 'user(id: $id) { presence { status } }')} }`;
    await expectRefusedBeforePlanning(
      query,
      { id: bob.userId },
      'GUARDYN_GATEWAY__MAX_ROOT_FIELDS',
    );
  });

  it('refuses aliases hidden below one root field', async () => {
    const query = `{ me { ${aliases(60, 'presence { status }')} } }`;
    await expectRefusedBeforePlanning(query, {}, 'GUARDYN_GATEWAY__MAX_ALIASES');
  });

  it('refuses depth, also through fragments', async () => {
    const query = `{ me { ...A } }
      fragment A on User { avatar { owner { avatar { owner { ...B } } } } }
      fragment B on User { avatar { owner { avatar { owner { avatar { owner { avatar { id } } } } } } } }`;
    await expectRefusedBeforePlanning(query, {}, 'GUARDYN_GATEWAY__MAX_DEPTH');
  });

  it('refuses a cost over GUARDYN_GATEWAY__MAX_COST, reading `first` from the variables', async () => {
    const query = `query ($n: Int) { inbox(first: $n) {
      edges { id sender { id username presence { status } } conversation { id } } } }`;
    await expectRefusedBeforePlanning(query, { n: 500 }, 'GUARDYN_GATEWAY__MAX_COST');
    // The same operation with a smaller page is within the limit and runs.
    const data = await expectData<{ inbox: { edges: unknown[] } }>(
      world.url,
      query,
      { n: 100 },
      alice.accessToken,
    );
    expect(data.inbox.edges).toEqual([]);
  });

  it('lets ordinary operations through (and the subgraphs count them)', async () => {
    const before = await subgraphOperations();
    const data = await expectData<{ me: { id: string } }>(
      world.url,
      `query ($id: ID!) { me { id devices { deviceId } } bob: user(id: $id) { username } sessions { id } }`,
      { id: bob.userId },
      alice.accessToken,
    );
    expect(data.me.id).toBe(alice.userId);
    expect(await subgraphOperations()).toBeGreaterThan(before);
  });
});
