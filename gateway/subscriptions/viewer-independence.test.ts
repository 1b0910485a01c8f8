import { describe, expect, it } from '@jest/globals';
import { buildSchema, getNamedType, GraphQLObjectType, parse, type GraphQLSchema } from 'graphql';
import { readSubscriptionField } from './subscription-field.js';
import { isViewerIndependent } from './viewer-independence.js';

const schema = buildSchema(`
  type Presence { status: String! lastSeenAt: String }
  type Device { id: ID! name: String }
  type User {
    id: ID!
    username: String!
    createdAt: String!
    presence: Presence
    avatarUrl: String
    devices: [Device!]!
  }
  type TypingEvent { conversationId: ID! user: User! typing: Boolean! }
  type Query { me: User }
  type Subscription {
    typing(conversationId: ID!): TypingEvent!
    presenceChanged(userIds: [ID!]!): User!
  }
`);

/** Whether the subscription `query` (on `schema`) may share one execution between viewers. */
function independent(query: string, against: GraphQLSchema = schema): boolean {
  const field = readSubscriptionField(against, parse(query), undefined, {});
  const type = getNamedType(against.getSubscriptionType()?.getFields()[field.fieldName]?.type);
  if (!(type instanceof GraphQLObjectType)) throw new Error('not an object type');
  return isViewerIndependent(against, type, field, field.selectionSet);
}

const typing = (selection: string, fragments = '') =>
  `subscription { typing(conversationId: "c") { ${selection} } } ${fragments}`;
const presence = (selection: string, fragments = '') =>
  `subscription { presenceChanged(userIds: ["u"]) { ${selection} } } ${fragments}`;

describe('isViewerIndependent: selections one execution may serve to every viewer', () => {
  it('shares the event fields and the user fields every viewer resolves alike', () => {
    expect(independent(typing('conversationId typing'))).toBe(true);
    expect(independent(typing('typing user { id username createdAt }'))).toBe(true);
    expect(independent(presence('id username createdAt'))).toBe(true);
  });

  it('shares __typename at any depth', () => {
    expect(independent(typing('__typename user { __typename id }'))).toBe(true);
  });

  it('judges a field by its name, whatever its alias', () => {
    expect(independent(typing('who: user { handle: username since: createdAt } on: typing'))).toBe(
      true,
    );
    // An allowed name as alias does not make a refused field allowed.
    expect(independent(presence('username: avatarUrl'))).toBe(false);
    expect(independent(presence('id: presence { status }'))).toBe(false);
  });

  it('shares inline fragments and named fragments, nested ones too, of allowed fields', () => {
    expect(independent(typing('... on TypingEvent { typing user { ... on User { id } } }'))).toBe(
      true,
    );
    expect(
      independent(
        typing(
          'user { ...Names }',
          'fragment Names on User { username ...Ids } fragment Ids on User { id }',
        ),
      ),
    ).toBe(true);
    expect(independent(typing('...Event', 'fragment Event on TypingEvent { typing }'))).toBe(true);
  });
});

describe('isViewerIndependent: selections resolved per subscriber', () => {
  it('never shares presence, which is null for viewers who may not see it', () => {
    expect(independent(presence('id presence { status }'))).toBe(false);
    expect(independent(typing('user { presence { status } }'))).toBe(false);
  });

  it('never shares a field outside the list (avatars, devices)', () => {
    expect(independent(presence('avatarUrl'))).toBe(false);
    expect(independent(typing('user { id avatarUrl }'))).toBe(false);
  });

  it('checks each type on its own list: `id` is allowed on User, not on Device', () => {
    expect(independent(typing('user { devices { id } }'))).toBe(false);
  });

  it('finds a refused field inside inline fragments', () => {
    expect(independent(typing('user { ... on User { presence { status } } }'))).toBe(false);
    expect(independent(typing('... on TypingEvent { user { avatarUrl } }'))).toBe(false);
  });

  it('finds a refused field inside named fragments, however deeply spread', () => {
    expect(independent(typing('user { ...P }', 'fragment P on User { presence { status } }'))).toBe(
      false,
    );
    expect(
      independent(
        typing(
          'user { ...Outer }',
          'fragment Outer on User { id ...Inner } fragment Inner on User { avatarUrl }',
        ),
      ),
    ).toBe(false);
    expect(
      independent(
        typing('...Event', 'fragment Event on TypingEvent { user { presence { status } } }'),
      ),
    ).toBe(false);
  });

  it('counts every fragment of the document, even one the subscription does not spread', () => {
    expect(independent(typing('typing', 'fragment Unused on User { presence { status } }'))).toBe(
      false,
    );
  });

  it('does not share a fragment on an interface, whose fields it does not check one by one', () => {
    const withInterface = buildSchema(`
      interface Node { id: ID! }
      type User implements Node { id: ID! username: String! presence: String }
      type TypingEvent { conversationId: ID! user: User! typing: Boolean! }
      type Query { node: Node }
      type Subscription { typing(conversationId: ID!): TypingEvent! }
    `);
    expect(
      independent(
        typing('user { ...N }', 'fragment N on Node { ... on User { presence } }'),
        withInterface,
      ),
    ).toBe(false);
    expect(independent(typing('user { ...N }', 'fragment N on Node { id }'), withInterface)).toBe(
      false,
    );
    expect(independent(typing('user { id username }'), withInterface)).toBe(true);
  });
});
