import { describe, expect, it } from '@jest/globals';
import { buildSchema, parse } from 'graphql';
import {
  checkOperationLimits,
  defaultOperationLimits,
  type OperationLimits,
} from './operation-limits.js';
import { standardIntrospection } from '../test/support/standard-introspection.js';

const schema = buildSchema(`
  type Presence { status: String }
  type User { id: ID!  presence: Presence  friends: [User!]!  next: User }
  type Page { edges: [User!]!  hasMore: Boolean! }
  type Query {
    me: User
    user(id: ID!): User
    users: [User!]!
    page(first: Int = 100): Page!
  }
`);

const roomy: OperationLimits = {
  maxDepth: 100,
  maxAliases: 1000,
  maxRootFields: 1000,
  maxCost: 1e9,
};

function check(
  query: string,
  limits: Partial<OperationLimits> = {},
  variables: Record<string, unknown> = {},
  operationName?: string,
) {
  return checkOperationLimits(
    parse(query),
    operationName,
    { ...roomy, ...limits },
    {
      schema,
      variables,
    },
  );
}

/** The cost the walk measured, read back from a refusal at limit 0. */
function costOf(query: string, variables: Record<string, unknown> = {}) {
  const message = check(query, { maxCost: 0 }, variables)?.message ?? '';
  return Number(/costs (\d+)/.exec(message)?.[1]);
}

const aliases = (count: number, selection = 'user(id: "1") { presence { status } }') =>
  `{ ${Array.from({ length: count }, (_, i) => `a${i}: ${selection}`).join(' ')} }`;

describe('checkOperationLimits', () => {
  it('passes operations within every limit', () => {
    expect(check('{ me { id presence { status } } }', defaultOperationLimits)).toBeNull();
  });

  it('refuses depth with BAD_USER_INPUT naming the limit and its value, through fragments', () => {
    expect(check('{ me { next { id } } }', { maxDepth: 3 })).toBeNull();
    const refusal = check(
      '{ me { ...F } } fragment F on User { next { ... on User { next { id } } } }',
      {
        maxDepth: 3,
      },
    );
    expect(refusal?.message).toBe(
      'The operation is nested 4 levels deep; the limit is 3 (GUARDYN_GATEWAY__MAX_DEPTH)',
    );
    expect(refusal?.extensions).toEqual({
      code: 'BAD_USER_INPUT',
      limit: 'GUARDYN_GATEWAY__MAX_DEPTH',
      limitValue: 3,
    });
  });

  it('stops descending far past the depth limit, so deep documents cannot exhaust the stack', () => {
    const deep = `{ me ${'{ next '.repeat(500)}{ id }${' }'.repeat(501)}`;
    expect(check(deep, { maxDepth: 12 })?.message).toBe(
      'The operation is nested more than 12 levels deep; the limit is 12 (GUARDYN_GATEWAY__MAX_DEPTH)',
    );
    const chain = Array.from(
      { length: 3000 },
      (_, i) => `fragment F${i} on User { ...F${i + 1} }`,
    ).join(' ');
    expect(
      check(`{ me { ...F0 } } ${chain} fragment F3000 on User { id }`, { maxDepth: 12 })?.message,
    ).toMatch(/nested more than 12 levels/);
  });

  it('counts aliases, also inside fragments once per spread', () => {
    expect(check(aliases(50), { maxAliases: 50 })).toBeNull();
    expect(check(aliases(51), { maxAliases: 50 })?.message).toBe(
      'The operation has 51 aliases; the limit is 50 (GUARDYN_GATEWAY__MAX_ALIASES)',
    );
    const spreads = `{ me { ...A } user(id: "1") { ...A } } fragment A on User { x: id y: id }`;
    expect(check(spreads, { maxAliases: 3 })?.message).toMatch(/has 4 aliases/);
  });

  it('counts top-level fields, through fragments', () => {
    expect(check('{ me { id } users { id } }', { maxRootFields: 2 })).toBeNull();
    expect(
      check('{ me { id } ...Q } fragment Q on Query { users { id } page { hasMore } }', {
        maxRootFields: 2,
      })?.message,
    ).toBe(
      'The operation has 3 top-level fields; the limit is 2 (GUARDYN_GATEWAY__MAX_ROOT_FIELDS)',
    );
  });

  it('costs objects 1 and leaves 0, lists times a default size, `first` times its value', () => {
    expect(costOf('{ me { id presence { status } } }')).toBe(2);
    expect(costOf('{ users { id } }')).toBe(10);
    expect(costOf('{ users { friends { id } } }')).toBe(10 * (1 + 10));
    expect(costOf('{ page(first: 3) { edges { id } } }')).toBe(3 * (1 + 10));
    // The argument's default when `first` is not given.
    expect(costOf('{ page { hasMore } }')).toBe(100);
  });

  it('reads `first` from variables, else from the variable default', () => {
    const query = 'query ($n: Int = 7) { page(first: $n) { hasMore } }';
    expect(costOf(query, { n: 40 })).toBe(40);
    expect(costOf(query)).toBe(7);
    expect(check(query, { maxCost: 1000 }, { n: 1_000_000 })?.message).toBe(
      'The operation costs 1000000; the limit is 1000 (GUARDYN_GATEWAY__MAX_COST)',
    );
  });

  it('measures each fragment once however often it is spread, and does not loop on cycles', () => {
    const spreads = `{ users { ...F ...F } me { ...F } } fragment F on User { presence { status } }`;
    expect(costOf(spreads)).toBe(10 * (1 + 2) + (1 + 1));
    expect(() =>
      check('{ me { ...A } } fragment A on User { next { ...B } } fragment B on User { ...A }'),
    ).not.toThrow();
    expect(
      check('{ me { ...A } } fragment A on User { next { ...A } }', { maxDepth: 12 }),
    ).toBeNull();
  });

  it('refuses the 1,000-alias fan-out with the defaults; the chosen operation is checked', () => {
    expect(check(aliases(1000), defaultOperationLimits)?.extensions['limit']).toBe(
      'GUARDYN_GATEWAY__MAX_ROOT_FIELDS',
    );
    const two = `query Small { me { id } } query Big ${aliases(1000)}`;
    expect(check(two, defaultOperationLimits, {}, 'Small')).toBeNull();
    expect(check(two, defaultOperationLimits, {}, 'Big')).not.toBeNull();
    expect(check(two, defaultOperationLimits, {}, 'Nope')).toBeNull();
  });

  it('works without a schema: only `first` sizes lists', () => {
    const refusal = checkOperationLimits(parse('{ page(first: 50) { edges { id } } }'), undefined, {
      ...roomy,
      maxCost: 10,
    });
    expect(refusal?.message).toMatch(/costs 100;/);
  });
});

describe('checkOperationLimits and introspection', () => {
  it('passes the standard introspection query with every option on, even under tight limits', () => {
    const tight = { maxDepth: 2, maxAliases: 0, maxRootFields: 1, maxCost: 1 };
    expect(check(standardIntrospection, tight)).toBeNull();
    expect(check('{ __type(name: "User") { fields { type { name } } } }', tight)).toBeNull();
  });

  it('still refuses deep data beside introspection', () => {
    const refusal = check(`{ __schema { types { name } } me { next { next { id } } } }`, {
      maxDepth: 3,
    });
    expect(refusal?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', limitValue: 3 });
  });

  it('counts each introspection field as a root field and its alias, so it cannot fan out', () => {
    expect(check(aliases(3, '__schema { types { name } }'), { maxAliases: 2 })?.message).toMatch(
      /has 3 aliases/,
    );
    expect(check(aliases(3, '__type(name: "User") { name }'), { maxRootFields: 2 })).not.toBeNull();
  });
});
