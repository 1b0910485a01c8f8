import { describe, expect, it } from '@jest/globals';
import { buildSchema, getNamedType, GraphQLObjectType, parse } from 'graphql';
import { isViewerIndependent, readSubscriptionField } from './operation.js';

const schema = buildSchema(`
  type Presence { status: String! lastSeenAt: String }
  type User { id: ID! username: String! createdAt: String! presence: Presence avatarUrl: String }
  type TypingEvent { conversationId: ID! user: User! typing: Boolean! }
  type Query { me: User }
  type Subscription { typing(conversationId: ID!): TypingEvent! presenceChanged(userIds: [ID!]!): User! }
`);

function independent(query: string): boolean {
  const field = readSubscriptionField(schema, parse(query), undefined, {});
  const type = getNamedType(schema.getSubscriptionType()?.getFields()[field.fieldName]?.type);
  if (!(type instanceof GraphQLObjectType)) throw new Error('not an object type');
  return isViewerIndependent(schema, type, field, field.selectionSet);
}

describe('isViewerIndependent', () => {
  it('shares selections every viewer resolves alike', () => {
    expect(
      independent('subscription { typing(conversationId: "c") { typing user { id username } } }'),
    ).toBe(true);
    expect(independent('subscription { presenceChanged(userIds: ["u"]) { id createdAt } }')).toBe(
      true,
    );
  });

  it('never shares a selection with presence, which is null for viewers who may not see it', () => {
    expect(
      independent('subscription { presenceChanged(userIds: ["u"]) { id presence { status } } }'),
    ).toBe(false);
    expect(
      independent(
        'subscription { typing(conversationId: "c") { user { ...P } } } fragment P on User { presence { status } }',
      ),
    ).toBe(false);
    expect(independent('subscription { presenceChanged(userIds: ["u"]) { avatarUrl } }')).toBe(
      false,
    );
  });
});
