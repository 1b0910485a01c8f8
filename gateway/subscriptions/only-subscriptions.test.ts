import { describe, expect, it } from '@jest/globals';
import { refuseUnlessSubscription } from './only-subscriptions.js';

describe('refuseUnlessSubscription', () => {
  it.each([
    ['subscription { typing(conversationId: "c") { typing } }', undefined],
    ['query Q { me { id } } subscription S { messageReceived { id } }', 'S'],
  ])('lets the subscription %j through', (query, operationName) => {
    expect(refuseUnlessSubscription({ query, operationName })).toBeNull();
  });

  it.each([
    ['query { me { id } }', undefined],
    ['{ me { id } }', undefined],
    ['mutation { logout }', undefined],
    ['subscription S { messageReceived { id } } query Q { me { id } }', 'Q'],
    ['subscription S { messageReceived { id } } query Q { me { id } }', undefined],
    ['subscription { messageReceived { id } }', 'Missing'],
    ['subscription {', undefined],
  ])('refuses %j (operation %j) as BAD_USER_INPUT', (query, operationName) => {
    expect(refuseUnlessSubscription({ query, operationName })?.extensions).toEqual({
      code: 'BAD_USER_INPUT',
    });
  });
});
