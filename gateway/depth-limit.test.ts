import { describe, expect, it } from '@jest/globals';
import { buildSchema, parse, validate } from 'graphql';
import { depthLimit } from './depth-limit.js';

const schema = buildSchema(`
  type Node { id: ID!  next: Node }
  type Query { node: Node }
`);

function errorsFor(query: string, maxDepth: number) {
  return validate(schema, parse(query), [depthLimit(maxDepth)]).map((error) => error.message);
}

describe('depthLimit', () => {
  it('allows operations up to the limit', () => {
    expect(errorsFor('{ node { next { id } } }', 3)).toEqual([]);
  });

  it('refuses deeper operations, counting through fragments and inline fragments', () => {
    expect(errorsFor('{ node { next { next { id } } } }', 3)).toEqual([
      'Operation is nested 4 levels deep; the limit is 3',
    ]);
    expect(
      errorsFor('{ node { ...F } } fragment F on Node { next { ... on Node { next { id } } } }', 3),
    ).toHaveLength(1);
  });

  it('does not loop on fragment cycles (validation reports those separately)', () => {
    expect(() =>
      errorsFor('{ node { ...A } } fragment A on Node { next { ...A } }', 10),
    ).not.toThrow();
  });
});
