import { describe, expect, it } from '@jest/globals';
import { firstPageSize, maxPageSize, nextPageSize, pageBudgetBytes } from './mailbox-pages.js';

const edges = (count: number, contentBytes: number) =>
  Array.from({ length: count }, (_, index) => ({
    guardynEnvelopeId: `id-${index}`,
    type: 'SIGNAL_MESSAGE',
    content: 'A'.repeat(contentBytes),
  }));

describe('nextPageSize', () => {
  it('reads whole pages of small envelopes', () => {
    expect(nextPageSize(edges(10, 300))).toBe(maxPageSize);
  });

  it('reads few large envelopes at a time, about the budget in all', () => {
    const size = nextPageSize(edges(10, 128 * 1024));
    expect(size).toBe(7);
    expect(size * 128 * 1024).toBeLessThanOrEqual(pageBudgetBytes);
  });

  it('reads at least one envelope, however large', () => {
    expect(nextPageSize(edges(1, 4 * pageBudgetBytes))).toBe(1);
  });

  it('starts again small after an empty page', () => {
    expect(nextPageSize([])).toBe(firstPageSize);
  });
});
