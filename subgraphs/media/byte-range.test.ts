import { describe, expect, it } from '@jest/globals';
import { parseRange } from './byte-range.js';

describe('parseRange', () => {
  it.each([
    ['bytes=0-9', { start: 0, end: 9 }],
    ['bytes=90-', { start: 90, end: 99 }],
    ['bytes=-10', { start: 90, end: 99 }],
    ['bytes=-500', { start: 0, end: 99 }],
    ['bytes=95-200', { start: 95, end: 99 }],
    [' bytes=5-5 ', { start: 5, end: 5 }],
  ])('reads %j of 100 bytes as one range', (header, range) => {
    expect(parseRange(header, 100)).toEqual({ kind: 'partial', range });
  });

  it.each([undefined, 'items=0-1', 'bytes=0-1,5-6', 'bytes=abc', 'bytes=-', 'bytes=9-2'])(
    'ignores %j and sends the whole body',
    (header) => {
      expect(parseRange(header, 100)).toEqual({ kind: 'whole' });
    },
  );

  it.each(['bytes=100-', 'bytes=100-120', 'bytes=-0'])('finds %j unsatisfiable', (header) => {
    expect(parseRange(header, 100)).toEqual({ kind: 'unsatisfiable' });
  });
});
