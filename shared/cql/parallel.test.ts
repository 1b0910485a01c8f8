import { describe, expect, it } from '@jest/globals';
import { mapLimited } from './parallel.js';

const tick = () => new Promise((resolve) => setTimeout(resolve, 1));

describe('mapLimited', () => {
  it('resolves with the results in the items order, at most `limit` running at once', async () => {
    let running = 0;
    let most = 0;
    const results = await mapLimited([5, 1, 4, 2, 3], 2, async (item, index) => {
      most = Math.max(most, ++running);
      await new Promise((resolve) => setTimeout(resolve, item));
      running--;
      return `${index}:${item}`;
    });
    expect(results).toEqual(['0:5', '1:1', '2:4', '3:2', '4:3']);
    expect(most).toBe(2);
  });

  it('rejects with the first failure only once the running tasks have settled', async () => {
    const settled: number[] = [];
    const started: number[] = [];
    const failing = mapLimited([1, 2, 3, 4], 2, async (item) => {
      started.push(item);
      if (item === 1) throw new Error('first');
      await tick();
      await tick();
      settled.push(item);
      return item;
    });
    await expect(failing).rejects.toThrow('first');
    expect(settled).toEqual(started.filter((item) => item !== 1));
    expect(started).not.toContain(4);
  });

  it('resolves at once for no items', async () => {
    expect(await mapLimited([], 4, async () => 1)).toEqual([]);
  });
});
