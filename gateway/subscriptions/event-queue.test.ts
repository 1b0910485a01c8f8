import { describe, expect, it } from '@jest/globals';
import { EventQueue } from './event-queue.js';

describe('EventQueue', () => {
  it('hands values to a waiting reader and buffers the rest in order', async () => {
    const queue = new EventQueue<number>(
      () => undefined,
      10,
      () => undefined,
    );
    const pending = queue.next();
    queue.push(1);
    queue.push(2);
    queue.push(3);
    expect(await pending).toEqual({ value: 1, done: false });
    expect(await queue.next()).toEqual({ value: 2, done: false });
    expect(await queue.next()).toEqual({ value: 3, done: false });
  });

  it('releases its listeners at once on return(), even while a read is pending', async () => {
    let released = 0;
    const queue = new EventQueue<number>(
      () => released++,
      10,
      () => undefined,
    );
    const pending = queue.next();
    await queue.return();
    expect(released).toBe(1);
    expect(await pending).toEqual({ value: undefined, done: true });
    queue.push(1);
    expect(await queue.next()).toEqual({ value: undefined, done: true });
    await queue.return();
    expect(released).toBe(1);
  });

  it('ends and reports a reader that falls behind the buffer limit', async () => {
    let overflowed = 0;
    let released = 0;
    const queue = new EventQueue<number>(
      () => released++,
      2,
      () => overflowed++,
    );
    queue.push(1);
    queue.push(2);
    queue.push(3);
    expect(overflowed).toBe(1);
    expect(released).toBe(1);
    expect(await queue.next()).toEqual({ value: undefined, done: true });
  });

  it('finish() delivers what is buffered, then ends', async () => {
    let released = 0;
    const queue = new EventQueue<number>(
      () => released++,
      10,
      () => undefined,
    );
    queue.push(1);
    queue.finish();
    queue.push(2);
    expect(await queue.next()).toEqual({ value: 1, done: false });
    expect(await queue.next()).toEqual({ value: undefined, done: true });
    expect(released).toBe(1);
  });
});
