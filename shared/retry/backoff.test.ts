import { describe, expect, it } from '@jest/globals';
import { backoffMs, fullJitter } from './backoff.js';

describe('backoffMs', () => {
  const backoff = { initialMs: 50, maxMs: 1_000 };

  it('doubles from the initial delay, one step per attempt', () => {
    expect([1, 2, 3, 4, 5].map((attempt) => backoffMs(backoff, attempt))).toEqual([
      50, 100, 200, 400, 800,
    ]);
  });

  it('stops at the largest delay, however many attempts', () => {
    expect(backoffMs(backoff, 6)).toBe(1_000);
    expect(backoffMs(backoff, 10_000)).toBe(1_000);
  });

  it('treats an attempt below 1 as the first', () => {
    expect(backoffMs(backoff, 0)).toBe(50);
    expect(backoffMs(backoff, -3)).toBe(50);
  });
});

describe('fullJitter', () => {
  it('scales the delay by a random fraction', () => {
    expect(fullJitter(200, () => 0)).toBe(0);
    expect(fullJitter(200, () => 0.5)).toBe(100);
    expect(fullJitter(200, () => 0.999)).toBeLessThan(200);
  });
});
