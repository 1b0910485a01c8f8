import { beforeAll, describe, expect, it } from '@jest/globals';
import {
  buildClientSchema,
  lexicographicSortSchema,
  printSchema,
  type IntrospectionQuery,
} from 'graphql';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { registerAccount, type TestAccount } from '../support/accounts.js';
import { postGraphQL } from '../support/graphql-client.js';
import { standardIntrospection } from '../support/standard-introspection.js';
import { useTestGuardyn } from '../support/use-test-guardyn.js';
import { buildSchema } from 'graphql';
import { projectRoot } from '../../shared/supergraph/index.js';

const deepData = '{ inbox { edges { conversation { members { id } } } } }';

const sorted = (sdl: string) => printSchema(lexicographicSortSchema(buildSchema(sdl)));

describe('introspection on (the default outside production)', () => {
  let alice: TestAccount;
  // A low depth limit: the introspection query is far deeper than 4, the data query below too.
  const world = useTestGuardyn({ env: { GUARDYN_GATEWAY__MAX_DEPTH: '4' } });
  beforeAll(async () => {
    alice = await registerAccount(world.url);
  });

  it('answers the standard introspection query with the committed API schema', async () => {
    const response = await postGraphQL<IntrospectionQuery>(world.url, standardIntrospection);
    expect(response.errors).toBeUndefined();
    if (!response.data) throw new Error('no data');
    const served = printSchema(lexicographicSortSchema(buildClientSchema(response.data)));
    const committed = await readFile(path.join(projectRoot, 'schema', 'api.graphql'), 'utf8');
    expect(served).toBe(sorted(committed));
  });

  it('still refuses a deep data query', async () => {
    const response = await postGraphQL(world.url, deepData, {}, alice.accessToken);
    expect(response.status).toBe(400);
    expect(response.errors?.[0]?.extensions).toMatchObject({
      code: 'BAD_USER_INPUT',
      limit: 'GUARDYN_GATEWAY__MAX_DEPTH',
    });
  });

  it('refuses cyclic introspection deeper than graphql-js allows', async () => {
    const cyclic =
      '{ __schema { types { fields { type { fields { type { fields { type { fields { name } } } } } } } } } }';
    const response = await postGraphQL(world.url, cyclic);
    expect(response.status).toBe(400);
    expect(response.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
  });
});

describe('GUARDYN_GATEWAY__INTROSPECTION=false', () => {
  const world = useTestGuardyn({ env: { GUARDYN_GATEWAY__INTROSPECTION: 'false' } });

  it('refuses __schema and __type at the gateway and at every subgraph, naming the setting', async () => {
    const urls = [
      world.url,
      ...Object.values(world.guardyn.subgraphs).map((server) => server?.url),
    ];
    for (const url of urls) {
      if (!url) continue;
      for (const query of [standardIntrospection, '{ __type(name: "User") { name } }']) {
        const response = await postGraphQL(url, query);
        expect(response.status).toBe(400);
        expect(response.data).toBeUndefined();
        expect(response.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
        expect(response.errors?.[0]?.message).toMatch(/GUARDYN_GATEWAY__INTROSPECTION=false/);
      }
    }
  });

  it('still answers __typename, which is data', async () => {
    const response = await postGraphQL(world.url, '{ __typename }');
    expect(response.data).toEqual({ __typename: 'Query' });
  });
});
