import { describe, expect, it } from '@jest/globals';
import { AsyncQueue } from './async-queue.js';

describe('AsyncQueue', () => {
  it('hands values out in order, to a waiting reader too, then ends', async () => {
    const queue = new AsyncQueue<number>();
    queue.push(1);
    const waiting = (async () => [await queue.next(), await queue.next()])();
    queue.push(2);
    expect(await waiting).toEqual([1, 2]);
    queue.push(3);
    queue.end();
    expect(await queue.next()).toBe(3);
    expect(await queue.next()).toBeUndefined();
  });

  it('rejects once drained after a failure', async () => {
    const queue = new AsyncQueue<number>();
    queue.push(1);
    queue.fail(new Error('socket gone'));
    expect(await queue.next()).toBe(1);
    await expect(queue.next()).rejects.toThrow('socket gone');
  });
});
