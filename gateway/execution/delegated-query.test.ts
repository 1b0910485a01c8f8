import { describe, expect, it } from '@jest/globals';
import {
  Kind,
  parse,
  print,
  type FragmentDefinitionNode,
  type OperationDefinitionNode,
} from 'graphql';
import { bridgeVariable, delegatedQuery, rootField } from './delegated-query.js';

/** The parts of a client's subscription document a delegated query keeps. */
function clientParts(document: string) {
  const definitions = parse(document).definitions;
  const operation = definitions.find(
    (definition): definition is OperationDefinitionNode =>
      definition.kind === Kind.OPERATION_DEFINITION,
  );
  const field = operation?.selectionSet.selections[0];
  if (!operation || field?.kind !== Kind.FIELD || !field.selectionSet) throw new Error('no field');
  return {
    selectionSet: field.selectionSet,
    fragments: definitions.filter(
      (definition): definition is FragmentDefinitionNode =>
        definition.kind === Kind.FRAGMENT_DEFINITION,
    ),
    variableDefinitions: operation.variableDefinitions ?? [],
  };
}

describe('rootField', () => {
  it('passes each argument as the bridge variable of the same name, under an alias', () => {
    const client = clientParts('subscription { typing(conversationId: "c") { typing } }');
    expect(bridgeVariable('id')).toBe('guardyn_id');
    expect(print(rootField('user', ['id'], client.selectionSet))).toBe(
      'guardynRoot: user(id: $guardyn_id) {\n  typing\n}',
    );
    expect(print(rootField('user', ['id'], client.selectionSet, 'who'))).toMatch(/^who: user/);
  });
});

describe('delegatedQuery', () => {
  it('declares the bridge variables and only the client variables its selection uses', () => {
    const client = clientParts(`
      subscription ($size: Int, $unused: String, $c: ID!) {
        typing(conversationId: $c) { user { avatar(size: $size) } }
      }`);
    const query = delegatedQuery(client, [rootField('user', ['id'], client.selectionSet)], {
      id: 'ID!',
    });
    expect(query.split('\n')[0]).toBe(
      'query GuardynSubscriptionBridge($size: Int, $guardyn_id: ID!) {',
    );
    expect(query).not.toContain('$unused');
    expect(query).not.toContain('$c');
  });

  it('keeps the fragments the selection spreads, nested ones too, and no other', () => {
    const client = clientParts(`
      subscription ($size: Int) { typing(conversationId: "c") { user { ...Outer } } }
      fragment Outer on User { id ...Inner }
      fragment Inner on User { username avatar(size: $size) }
      fragment Unused on User { createdAt }`);
    const query = delegatedQuery(client, [rootField('x', [], client.selectionSet)], {});
    expect(query).toContain('fragment Outer on User');
    expect(query).toContain('fragment Inner on User');
    expect(query).not.toContain('Unused');
    // A variable used only inside a fragment is declared too.
    expect(query.split('\n')[0]).toBe('query GuardynSubscriptionBridge($size: Int) {');
  });

  it('has no variable list when there is nothing to declare', () => {
    const client = clientParts('subscription { typing(conversationId: "c") { typing } }');
    expect(delegatedQuery(client, [rootField('x', [], client.selectionSet)], {})).toMatch(
      /^query GuardynSubscriptionBridge \{/,
    );
  });
});
