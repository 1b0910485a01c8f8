import { describe, expect, it } from '@jest/globals';
import { groupedBy, inChunks } from './chunks.js';

describe('inChunks', () => {
  it('drops repeats and splits into lists of at most the size, in first-seen order', () => {
    expect(inChunks(['a', 'b', 'a', 'c', 'd', 'e'], 2)).toEqual([['a', 'b'], ['c', 'd'], ['e']]);
    expect(inChunks([], 100)).toEqual([]);
  });
});

describe('groupedBy', () => {
  it('groups values by key in first-seen order', () => {
    const pairs = [
      { user: 'u1', device: 1 },
      { user: 'u2', device: 1 },
      { user: 'u1', device: 2 },
    ];
    expect([...groupedBy(pairs, (pair) => pair.user)]).toEqual([
      ['u1', [pairs[0], pairs[2]]],
      ['u2', [pairs[1]]],
    ]);
  });
});
