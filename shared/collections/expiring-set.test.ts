import { expect, it } from '@jest/globals';
import { ExpiringSet } from './expiring-set.js';

it('remembers a key for its span from the latest add, and forgets it after', () => {
  let now = 1_000;
  const set = new ExpiringSet(100, () => now);
  set.add('a');
  expect(set.has('a')).toBe(true);
  expect(set.has('b')).toBe(false);
  now = 1_050;
  set.add('a');
  now = 1_120;
  expect(set.has('a')).toBe(true);
  now = 1_150;
  expect(set.has('a')).toBe(false);
});
