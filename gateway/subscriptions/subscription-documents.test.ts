import { describe, expect, it } from '@jest/globals';
import { buildSchema, type GraphQLSchema } from 'graphql';
import { PerSelection } from './per-selection.js';
import { readSubscriptionField } from './subscription-field.js';
import { SubscriptionDocuments, type ReadDocument } from './subscription-documents.js';

const sdl = `
  type TypingEvent { conversationId: ID! typing: Boolean! }
  type Query { ok: Boolean }
  type Mutation { setTyping: Boolean }
  type Subscription { typing(conversationId: ID!): TypingEvent! }
`;
const schema = buildSchema(sdl);
const typing = 'subscription ($c: ID!) { typing(conversationId: $c) { typing } }';

function documentOf(read: ReadDocument) {
  if (!('document' in read)) throw new Error(`refused: ${read.refused.message}`);
  return read;
}

describe('SubscriptionDocuments', () => {
  it('parses and validates a query text once, and hands every subscriber the same document', () => {
    const documents = new SubscriptionDocuments();
    const first = documentOf(documents.read(schema, { query: typing }));
    const again = documentOf(documents.read(schema, { query: typing }));
    expect(again.document).toBe(first.document);
    expect(first.validationErrors).toEqual([]);
    expect(documents.size).toBe(1);
  });

  it('refuses what is not a subscription, and keeps validation errors with the document', () => {
    const documents = new SubscriptionDocuments();
    const mutation = documents.read(schema, { query: 'mutation { setTyping }' });
    expect('refused' in mutation && mutation.refused.extensions['code']).toBe('BAD_USER_INPUT');
    const unparsable = documents.read(schema, { query: 'subscription {' });
    expect('refused' in unparsable).toBe(true);
    const invalid = documentOf(
      documents.read(schema, { query: 'subscription { typing { nope } }' }),
    );
    expect(invalid.validationErrors.map((error) => error.message)).toEqual(
      expect.arrayContaining([expect.stringContaining('nope')]),
    );
    // The same text asked again gives the same refusal, without parsing it again.
    expect(documents.read(schema, { query: 'subscription {' })).toBe(unparsable);
  });

  it('tells operation names apart: they decide which operation runs', () => {
    const documents = new SubscriptionDocuments();
    const query = `query Q { ok } ${typing.replace('subscription', 'subscription S')}`;
    expect('refused' in documents.read(schema, { query, operationName: 'Q' })).toBe(true);
    expect('document' in documents.read(schema, { query, operationName: 'S' })).toBe(true);
  });

  it('starts afresh for a new schema, and forgets the least recently read text first', () => {
    const documents = new SubscriptionDocuments(2);
    const first = documentOf(documents.read(schema, { query: typing }));
    const other: GraphQLSchema = buildSchema(sdl);
    expect(documentOf(documents.read(other, { query: typing })).document).not.toBe(first.document);
    const texts = ['a', 'b', 'c'].map(
      (alias) => `subscription ($c: ID!) { ${alias}: typing(conversationId: $c) { typing } }`,
    );
    const a = documentOf(documents.read(other, { query: texts[0] as string }));
    documents.read(other, { query: texts[1] as string });
    documents.read(other, { query: texts[0] as string });
    documents.read(other, { query: texts[2] as string });
    expect(documents.size).toBe(2);
    // "a" was read again after "b", so "b" went.
    expect(documentOf(documents.read(other, { query: texts[0] as string })).document).toBe(
      a.document,
    );
  });

  it('does not keep very long texts', () => {
    const documents = new SubscriptionDocuments();
    documents.read(schema, { query: `${typing}${' '.repeat(10_000)}` });
    expect(documents.size).toBe(0);
  });
});

describe('PerSelection', () => {
  it('derives once per selection and schema', () => {
    const documents = new SubscriptionDocuments();
    const { document } = documentOf(documents.read(schema, { query: typing }));
    const field = readSubscriptionField(schema, document, undefined, { c: '1' });
    const sameQueryOtherVariables = readSubscriptionField(schema, document, undefined, { c: '2' });
    const derived = new PerSelection<object>();
    let derivations = 0;
    const derive = () => ({ derivation: ++derivations });
    const first = derived.get(schema, field.selectionSet, derive);
    expect(derived.get(schema, sameQueryOtherVariables.selectionSet, derive)).toBe(first);
    expect(derived.get(buildSchema(sdl), field.selectionSet, derive)).not.toBe(first);
    expect(derivations).toBe(2);
  });
});
