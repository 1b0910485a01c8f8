import { buildSubgraphSchema } from '@apollo/subgraph';
import { describe, expect, it } from '@jest/globals';
import { graphql, parse, type GraphQLSchema } from 'graphql';
import { anonymous, type Caller } from '../auth/index.js';
import { GuardynError, UnauthenticatedError } from '../errors/index.js';
import { federationPublicFields, guardableFields, requireAuthentication } from './index.js';

const typeDefs = parse(`
  extend schema @link(url: "https://specs.apollo.dev/federation/v2.7", import: ["@key"])
  type User @key(fields: "id") { id: ID! name: String! }
  type Payload { user: User! }
  type Query { me: User open: Payload! }
  type Mutation { signIn: Payload! change: Boolean! }
`);

const user = { id: 'u1', name: 'alice' };
function schema(): GraphQLSchema {
  return buildSubgraphSchema([
    {
      typeDefs,
      resolvers: {
        Query: { me: () => user, open: () => ({ user }) },
        Mutation: { signIn: () => ({ user }), change: () => true },
        User: { __resolveReference: () => user },
      },
    },
  ]);
}

const signedIn: Caller = {
  kind: 'authenticated',
  principal: { userId: 'u1', deviceId: 1, sessionId: 's', expiresAt: new Date(Date.now() + 1e6) },
};
const rejected: Caller = { kind: 'rejected', error: new UnauthenticatedError('token expired') };

async function run(guarded: GraphQLSchema, source: string, caller: Caller) {
  const result = await graphql({ schema: guarded, source, contextValue: { caller } });
  return {
    data: result.data,
    codes: result.errors?.map((error) =>
      error.originalError instanceof GuardynError ? error.originalError.code : error.message,
    ),
    messages: result.errors?.map((error) => error.message),
  };
}

const entities =
  '{ _entities(representations: [{ __typename: "User", id: "u1" }]) { ... on User { name } } }';

describe('requireAuthentication', () => {
  const guarded = requireAuthentication(schema(), [
    ...federationPublicFields,
    'Query.open',
    'Mutation.signIn',
  ]);

  it('refuses every unlisted root field, _entities included, for nobody', async () => {
    for (const source of ['{ me { id } }', 'mutation { change }', entities]) {
      expect((await run(guarded, source, anonymous)).codes).toEqual(['UNAUTHENTICATED']);
    }
  });

  it("refuses a bad token with the token's own reason", async () => {
    expect((await run(guarded, '{ me { id } }', rejected)).messages).toEqual(['token expired']);
  });

  it('lets listed fields through, with the fields of what they return', async () => {
    expect((await run(guarded, 'mutation { signIn { user { name } } }', anonymous)).data).toEqual({
      signIn: { user: { name: 'alice' } },
    });
    expect((await run(guarded, '{ _service { sdl } }', rejected)).codes).toBeUndefined();
  });

  it('answers a verified caller as before', async () => {
    expect((await run(guarded, entities, signedIn)).data).toEqual({
      _entities: [{ name: 'alice' }],
    });
  });

  it('guards __resolveReference itself, even where _entities is opened', async () => {
    const open = requireAuthentication(schema(), ['Query._entities']);
    expect((await run(open, entities, anonymous)).codes).toEqual(['UNAUTHENTICATED']);
    const both = requireAuthentication(schema(), ['Query._entities', 'User.__resolveReference']);
    expect((await run(both, entities, anonymous)).data).toEqual({ _entities: [{ name: 'alice' }] });
  });

  it('refuses at start a public field the schema does not have', () => {
    expect(() => requireAuthentication(schema(), ['Mutation.signOn'])).toThrow(
      'public fields not in the schema: Mutation.signOn',
    );
    expect(() => requireAuthentication(schema(), ['Payload.user'])).toThrow('Payload.user');
  });

  it('names every guardable coordinate', () => {
    expect(guardableFields(schema()).sort()).toEqual(
      [
        'Mutation.change',
        'Mutation.signIn',
        'Query._entities',
        'Query._service',
        'Query.me',
        'Query.open',
        'User.__resolveReference',
      ].sort(),
    );
  });
});
