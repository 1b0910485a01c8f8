import { describe, expect, it } from '@jest/globals';
import { maxVariablesNesting, nestedDeeperThan } from './variables-nesting.js';

const nestedArrays = (levels: number): unknown => {
  let value: unknown = 'leaf';
  for (let i = 0; i < levels; i++) value = [value];
  return value;
};

describe('nestedDeeperThan', () => {
  it('accepts values up to the limit (depth 0 is the variables object)', () => {
    expect(nestedDeeperThan({ x: nestedArrays(maxVariablesNesting) }, maxVariablesNesting)).toBe(
      false,
    );
    expect(
      nestedDeeperThan({ x: nestedArrays(maxVariablesNesting + 1) }, maxVariablesNesting),
    ).toBe(true);
    expect(nestedDeeperThan({ input: { envelopes: [{ content: 'AA==' }] } }, 3)).toBe(false);
  });

  it('walks objects and arrays alike, and scalars are never nested', () => {
    expect(nestedDeeperThan({ a: { b: [{ c: 1 }] } }, 2)).toBe(true);
    expect(nestedDeeperThan('text', 0)).toBe(false);
    expect(nestedDeeperThan(null, 0)).toBe(false);
  });

  it('does not recurse: a million levels neither overflow the stack nor pass', () => {
    expect(nestedDeeperThan({ x: nestedArrays(1_000_000) }, maxVariablesNesting)).toBe(true);
  });
});
