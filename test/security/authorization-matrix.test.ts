import { createHash, randomBytes } from 'node:crypto';
import { beforeAll, describe, expect, it } from '@jest/globals';
import { expectData, postGraphQL } from '../support/graphql-client.js';
import { connectSubscriptions } from '../support/subscriptions-client.js';
import { readSupergraphFields } from '../support/supergraph-fields.js';
import type { TestGuardyn } from '../support/test-guardyn.js';
import { useTestGuardyn } from '../support/use-test-guardyn.js';
import {
  checkForeignEntity,
  entityCases,
  firstCode,
  rootCases,
  subscriptionCases,
  text,
  type Response,
  type RootCase,
} from './matrix-cases.js';
import { buildWorld, postUpload, type World } from './world.js';

/**
 * The authorization matrix: for every query, mutation and subscription field of the composed
 * API, and for every entity a subgraph resolves, what a caller without a token and Mallory (a
 * signed-in stranger) get when they aim it at the victim's data, through the gateway and
 * directly at the owning subgraph. The cases are checked against the supergraph: a field or an
 * entity without a case fails this test, so nothing new ships without stating who may use it.
 */

const { rootFields, entities } = readSupergraphFields();

const supergraph = useTestGuardyn();
let world: World;

beforeAll(async () => {
  world = await buildWorld(supergraph.guardyn);
}, 60_000);

function subgraphUrl(name: string): string {
  const server = supergraph.guardyn.subgraphs[name as keyof TestGuardyn['subgraphs']];
  if (!server) throw new Error(`no subgraph ${name}`);
  return server.url;
}

/** A new session of Mallory's, for a case that ends the one it uses. */
async function freshSession(): Promise<string> {
  const { login } = await expectData<{ login: { accessToken: string } }>(
    world.url,
    'mutation ($input: LoginInput!) { login(input: $input) { accessToken } }',
    { input: { username: world.mallory.username, password: world.mallory.password, deviceId: 1 } },
  );
  return login.accessToken;
}

async function call(url: string, rootCase: RootCase, token: string | undefined): Promise<Response> {
  const variables = rootCase.variables?.(world) ?? {};
  if (!rootCase.upload) return postGraphQL(url, rootCase.document, variables, token);
  const bytes = randomBytes(32);
  return postUpload(
    url,
    rootCase.document,
    { ...variables, sha256: createHash('sha256').update(bytes).digest('hex') },
    bytes,
    token,
  ) as Promise<Response>;
}

describe('the authorization matrix', () => {
  it('has a case for every root field and every entity of the composed API, and no other', () => {
    const fields = rootFields.map((field) => field.coordinate).sort();
    const cased = [...Object.keys(rootCases), ...Object.keys(subscriptionCases)].sort();
    expect(cased).toEqual(fields);
    const entityKeys = [
      ...new Set(entities.map((entity) => `${entity.subgraph}:${entity.typename}`)),
    ];
    expect(Object.keys(entityCases).sort()).toEqual(entityKeys.sort());
  });

  describe.each(rootFields.filter((field) => field.operation !== 'subscription'))(
    '$coordinate',
    (field) => {
      const rootCase = rootCases[field.coordinate];
      if (!rootCase) return;
      const withoutToken = rootCase.publicBecause
        ? `public (${rootCase.publicBecause})`
        : 'UNAUTHENTICATED';

      it(`without a token, at the gateway and at ${field.subgraph}: ${withoutToken}`, async () => {
        for (const url of [world.url, subgraphUrl(field.subgraph)]) {
          const response = await call(url, rootCase, undefined);
          if (rootCase.publicBecause) {
            // A public field answers the same with or without a token (sealed sends refuse one).
            const signedIn = await call(url, rootCase, world.mallory.accessToken);
            expect(firstCode(signedIn)).toBe(
              rootCase.refusesTokens ? 'BAD_USER_INPUT' : firstCode(response),
            );
          } else {
            expect(firstCode(response)).toBe('UNAUTHENTICATED');
            expect(response.data?.[field.name] ?? null).toBeNull();
          }
        }
      });

      it(`as a stranger, at the gateway and at ${field.subgraph}: ${rootCase.foreign.promise}`, async () => {
        for (const url of [world.url, subgraphUrl(field.subgraph)]) {
          const token = rootCase.endsSession ? await freshSession() : world.mallory.accessToken;
          const response = await call(url, rootCase, token);
          await rootCase.foreign.check(response, world);
        }
      });
    },
  );

  describe.each(rootFields.filter((field) => field.operation === 'subscription'))(
    '$coordinate',
    (field) => {
      const subscriptionCase = subscriptionCases[field.coordinate];
      if (!subscriptionCase) return;

      it('without a token: the socket is closed with 4401', async () => {
        const socket = connectSubscriptions(world.url, undefined);
        expect(await socket.closed).toBe(4401);
        await socket.dispose();
      });

      it(`over HTTP, at the gateway and at ${field.subgraph}, with or without a token: BAD_USER_INPUT`, async () => {
        for (const url of [world.url, subgraphUrl(field.subgraph)]) {
          for (const token of [undefined, world.mallory.accessToken]) {
            const response = await postGraphQL(url, subscriptionCase.document, {}, token);
            expect(response.status).toBeLessThan(500);
            expect(firstCode(response)).toBe('BAD_USER_INPUT');
          }
        }
      });

      it(`as a stranger: ${subscriptionCase.promise}`, () => subscriptionCase.run(world), 30_000);
    },
  );

  describe.each(Object.entries(entityCases))('_entities %s', (key, entityCase) => {
    const subgraph = key.split(':')[0] ?? '';
    const query = `query ($r: [_Any!]!) { _entities(representations: $r) { ${entityCase.fields} } }`;

    it(`without a token at ${subgraph}: UNAUTHENTICATED`, async () => {
      const response = await postGraphQL(subgraphUrl(subgraph), query, {
        r: [entityCase.representation(world)],
      });
      expect(firstCode(response)).toBe('UNAUTHENTICATED');
      expect(text(response.data ?? null)).not.toContain(world.victim.username);
    });

    it(`as a stranger at ${subgraph}: ${entityCase.foreign}`, async () => {
      const response = await postGraphQL(
        subgraphUrl(subgraph),
        query,
        { r: [entityCase.representation(world)] },
        world.mallory.accessToken,
      );
      const entity =
        (response.data?.['_entities'] as (Record<string, unknown> | null)[] | undefined)?.[0] ??
        null;
      checkForeignEntity(key, entity, world);
    });
  });

  it('left the victim’s account as it was', async () => {
    const { me, sessions } = await expectData<{
      me: { devices: { deviceId: number }[] };
      sessions: { id: string }[];
    }>(world.url, '{ me { devices { deviceId } } sessions { id } }', {}, world.victim.accessToken);
    expect(me.devices.map((device) => device.deviceId).sort()).toEqual([1, 2]);
    expect(text(sessions)).toContain(world.victimSessionId);
    const { conversation } = await expectData<{ conversation: { id: string } | null }>(
      world.url,
      'query ($id: ID!) { conversation(id: $id) { id } }',
      { id: world.victimGroupId },
      world.victim.accessToken,
    );
    expect(conversation?.id).toBe(world.victimGroupId);
  });
});
