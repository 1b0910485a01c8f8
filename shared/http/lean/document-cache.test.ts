import { createHash } from 'node:crypto';
import { describe, expect, it } from '@jest/globals';
import { buildSchema } from 'graphql';
import { noSubscriptionsOverHttp } from '../../graphql/index.js';
import { DocumentCache, operationOf } from './document-cache.js';

const sdl = `
  type Query { me: User, user(id: ID!): User }
  type User { id: ID!, username: String! }
  type Subscription { typing: ID }
`;
const schema = buildSchema(sdl);

describe('the document cache', () => {
  it('gives the same validated document for the same text, and its sha256 as the plan key', () => {
    const cache = new DocumentCache([noSubscriptionsOverHttp]);
    const first = cache.get(schema, '{ me { id } }');
    const second = cache.get(schema, '{ me { id } }');
    expect(first).not.toBeNull();
    expect(second).toBe(first);
    expect(first?.queryHash).toBe(createHash('sha256').update('{ me { id } }').digest('hex'));
  });

  it('remembers texts that do not parse or validate as null (Apollo Server answers them)', () => {
    const cache = new DocumentCache([noSubscriptionsOverHttp]);
    expect(cache.get(schema, '{ me { id ')).toBeNull();
    expect(cache.get(schema, '{ nope }')).toBeNull();
    // Our own validation rules apply: subscriptions are refused over HTTP.
    expect(cache.get(schema, 'subscription { typing }')).toBeNull();
    expect(cache.size).toBe(3);
  });

  it('starts afresh when the schema changes', () => {
    const cache = new DocumentCache([]);
    const before = cache.get(schema, '{ me { username } }');
    const renamed = buildSchema(sdl.replace('username: String!', 'handle: String!'));
    expect(cache.get(renamed, '{ me { username } }')).toBeNull();
    expect(cache.size).toBe(1);
    const after = cache.get(schema, '{ me { username } }');
    expect(after).not.toBeNull();
    expect(after).not.toBe(before);
  });

  it('drops the least recently used text first, and keeps no overlong text', () => {
    const cache = new DocumentCache([], 2, 40);
    const a = cache.get(schema, '{ a: me { id } }');
    cache.get(schema, '{ b: me { id } }');
    cache.get(schema, '{ a: me { id } }'); // a is now the most recent
    cache.get(schema, '{ c: me { id } }'); // evicts b
    expect(cache.size).toBe(2);
    expect(cache.get(schema, '{ a: me { id } }')).toBe(a);
    cache.get(schema, `{ me { ${'id '.repeat(20)}} }`);
    expect(cache.size).toBe(2);
  });

  it('resolves operations by name, memoised, and none for a wrong or missing name', () => {
    const cache = new DocumentCache([]);
    const valid = cache.get(schema, 'query A { me { id } } query B { me { username } }');
    if (!valid) throw new Error('expected a valid document');
    const b = operationOf(valid, 'B');
    expect(b?.operation.name?.value).toBe('B');
    expect(operationOf(valid, 'B')).toBe(b);
    expect(operationOf(valid, 'C')).toBeNull();
    expect(operationOf(valid, undefined)).toBeNull();
    expect(valid.operations.size).toBe(1);
  });
});
