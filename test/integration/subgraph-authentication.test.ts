/**
 * Attack: call a subgraph's own port directly, around the gateway, without a token or with a
 * bad one, and read entities (usernames, registration ids, conversations, envelopes) or run
 * mutations. Every root field and every entity lookup must refuse, except the public lists.
 */
import { randomUUID } from 'node:crypto';
import { beforeAll, describe, expect, it } from '@jest/globals';
import type { DocumentNode } from 'graphql';
import { subgraphNames, type SubgraphName } from '../../shared/config/index.js';
import * as auth from '../../subgraphs/auth/index.js';
import * as media from '../../subgraphs/media/index.js';
import * as messaging from '../../subgraphs/messaging/index.js';
import * as notification from '../../subgraphs/notification/index.js';
import * as presence from '../../subgraphs/presence/index.js';
import { registerAccount, type TestAccount } from '../support/accounts.js';
import { expectData, postGraphQL, type GraphQLResponse } from '../support/graphql-client.js';
import { readInbox, startDirectConversation } from '../support/messaging-client.js';
import { rootOperations } from '../support/root-operations.js';
import { useTestGuardyn } from '../support/use-test-guardyn.js';

const subgraphModules: Record<
  SubgraphName,
  { typeDefs: DocumentNode; publicFields: readonly string[] }
> = { auth, messaging, presence, media, notification };

/** No Authorization header, a token that is not a JWT, and a header that is not Bearer. */
const badCredentials: [string, string | undefined][] = [
  ['no token', undefined],
  ['a forged token', 'Bearer eyJhbGciOiJub25lIn0.eyJzdWIiOiJ4In0.'],
  ['a non-Bearer header', 'Basic YWxpY2U6cHc='],
];

let alice: TestAccount;
let bob: TestAccount;
let conversationId: string;
let envelopeId: string;

const world = useTestGuardyn();
beforeAll(async () => {
  [alice, bob] = await Promise.all([registerAccount(world.url), registerAccount(world.url)]);
  conversationId = await startDirectConversation(world.url, alice, bob);
  const [envelope] = await readInbox(world.url, bob.accessToken);
  if (!envelope) throw new Error('bob has no envelope');
  envelopeId = envelope.id;
});

function subgraphUrl(name: SubgraphName): string {
  const server = world.guardyn.subgraphs[name];
  if (!server) throw new Error(`${name} is not running`);
  return server.url;
}

async function post(
  url: string,
  query: string,
  variables: Record<string, unknown>,
  authorization: string | undefined,
): Promise<GraphQLResponse<Record<string, unknown>>> {
  const response = await fetch(url, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      ...(authorization ? { authorization } : {}),
    },
    body: JSON.stringify({ query, variables }),
  });
  return { status: response.status, ...((await response.json()) as object) };
}

/** A multipart upload as apollo-upload-client sends it (the only way to pass an Upload). */
async function postUpload(
  url: string,
  query: string,
  authorization: string | undefined,
): Promise<GraphQLResponse<Record<string, unknown>>> {
  const form = new FormData();
  form.append('operations', JSON.stringify({ query, variables: { file: null } }));
  form.append('map', JSON.stringify({ 0: ['variables.file'] }));
  form.append('0', new Blob([new Uint8Array([1, 2, 3])]), 'x.bin');
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'apollo-require-preflight': 'true', ...(authorization ? { authorization } : {}) },
    body: form,
  });
  return { status: response.status, ...((await response.json()) as object) };
}

/**
 * UNAUTHENTICATED; subscriptions are refused before that, as BAD_USER_INPUT (they are served only
 * over graphql-ws at the gateway), so nothing runs either way.
 */
function expectRefused(response: GraphQLResponse<Record<string, unknown>>, code: string): void {
  expect(response.errors?.map((error) => error.extensions?.code)).toEqual([code]);
  // Nothing of the answer leaks: no data at all, or the refused field is null.
  for (const value of Object.values(response.data ?? {})) expect(value).toBeNull();
}

describe.each(subgraphNames)('the %s subgraph, called directly', (name) => {
  const { typeDefs, publicFields } = subgraphModules[name];
  const guarded = rootOperations(typeDefs).filter(
    (operation) => !publicFields.includes(operation.coordinate),
  );

  it('lists only what is meant to be public', () => {
    expect([...publicFields].sort()).toEqual(
      {
        auth: [
          'Mutation.login',
          'Mutation.refreshSession',
          'Mutation.register',
          'Query._service',
          'Query.sealedRecipients',
          'Query.sealedSenderTrustRoot',
        ],
        messaging: [
          'Mutation.sendSealedMessage',
          'Mutation.sendSealedMultiRecipientMessage',
          'Query._service',
        ],
      }[name as string] ?? ['Query._service'],
    );
  });

  it.each(badCredentials)('refuses every other root field with %s', async (_, authorization) => {
    expect(guarded.length).toBeGreaterThan(0);
    for (const operation of guarded) {
      const response = operation.needsUpload
        ? await postUpload(subgraphUrl(name), operation.query, authorization)
        : await post(subgraphUrl(name), operation.query, operation.variables, authorization);
      try {
        expectRefused(
          response,
          operation.coordinate.startsWith('Subscription.') ? 'BAD_USER_INPUT' : 'UNAUTHENTICATED',
        );
      } catch (error) {
        throw new Error(`${operation.coordinate}: ${JSON.stringify(response)}`, { cause: error });
      }
    }
  });

  it('still serves its SDL to anyone (composition)', async () => {
    const response = await post(subgraphUrl(name), '{ _service { sdl } }', {}, undefined);
    expect(response.errors).toBeUndefined();
    expect(response.data?.['_service']).toEqual({ sdl: expect.stringContaining('type') });
  });
});

describe('entity lookups (_entities) at each subgraph', () => {
  const entityQuery = (selection: string) =>
    `query ($representations: [_Any!]!) { _entities(representations: $representations) { ${selection} } }`;
  const lookups: [SubgraphName, string, () => string, string][] = [
    ['auth', 'User', () => alice.userId, '... on User { id username createdAt }'],
    ['auth', 'Device', () => `${alice.userId}:1`, '... on Device { id registrationId }'],
    ['messaging', 'User', () => alice.userId, '... on User { id }'],
    ['messaging', 'Conversation', () => conversationId, '... on Conversation { id kind }'],
    ['messaging', 'Envelope', () => envelopeId, '... on Envelope { id content }'],
    ['presence', 'User', () => alice.userId, '... on User { id presence { status } }'],
    ['media', 'User', () => alice.userId, '... on User { id avatar { id } }'],
    ['media', 'Media', () => randomUUID(), '... on Media { id downloadUrl }'],
    ['notification', 'Device', () => `${alice.userId}:1`, '... on Device { id push { platform } }'],
  ];

  it.each(lookups)('%s refuses %s references without a valid token', async (...lookup) => {
    const [name, typename, id, selection] = lookup;
    for (const [, authorization] of badCredentials) {
      const response = await post(
        subgraphUrl(name),
        entityQuery(selection),
        { representations: [{ __typename: typename, id: id() }] },
        authorization,
      );
      expectRefused(response, 'UNAUTHENTICATED');
      expect(JSON.stringify(response)).not.toContain(alice.username);
    }
  });

  it('a bad token is refused with its own reason, not a generic one', async () => {
    const response = await post(
      subgraphUrl('auth'),
      entityQuery('... on User { id }'),
      { representations: [{ __typename: 'User', id: alice.userId }] },
      'Basic YWxpY2U6cHc=',
    );
    expectRefused(response, 'UNAUTHENTICATED');
    expect(response.errors?.[0]?.message).toContain('Bearer');
  });

  it('a signed-in caller still reads them (the gateway and inter-subgraph lookups)', async () => {
    const data = await expectData<{ _entities: unknown[] }>(
      subgraphUrl('auth'),
      entityQuery('... on User { id username }'),
      { representations: [{ __typename: 'User', id: alice.userId }] },
      bob.accessToken,
    );
    expect(data._entities).toEqual([{ id: alice.userId, username: alice.username }]);
  });
});

describe('public operations keep working without a token', () => {
  it('login at the auth subgraph, with the fields of its payload', async () => {
    const response = await postGraphQL<{ login: { user: { id: string; username: string } } }>(
      subgraphUrl('auth'),
      'mutation ($input: LoginInput!) { login(input: $input) { accessToken user { id username } } }',
      { input: { username: alice.username, password: alice.password, deviceId: 1 } },
    );
    expect(response.errors).toBeUndefined();
    expect(response.data?.login.user).toEqual({ id: alice.userId, username: alice.username });
  });
});
