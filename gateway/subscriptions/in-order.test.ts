import { describe, expect, it } from '@jest/globals';
import { InOrder } from './in-order.js';

function deferred<T>() {
  let resolve: (value: T) => void = () => undefined;
  let reject: (error: Error) => void = () => undefined;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

describe('InOrder', () => {
  it('hands results on in the order they were added, whichever resolves first', async () => {
    const errors: unknown[] = [];
    const order = new InOrder((error) => errors.push(error));
    const seen: string[] = [];
    const first = deferred<string>();
    const second = deferred<string>();
    const third = deferred<string>();
    const done = deferred<void>();
    order.add(first.promise, (value) => void seen.push(value));
    order.add(second.promise, (value) => void seen.push(value));
    order.add(third.promise, (value) => {
      seen.push(value);
      done.resolve();
    });
    third.resolve('third');
    second.reject(new Error('second failed'));
    first.resolve('first');
    await done.promise;
    expect(seen).toEqual(['first', 'third']);
    expect(errors).toEqual([new Error('second failed')]);
  });
});

describe('InOrder, with handlers that wait or fail', () => {
  it('waits for an asynchronous handler before the next, and reports a handler that throws', async () => {
    const errors: unknown[] = [];
    const order = new InOrder((error) => errors.push(error));
    const seen: string[] = [];
    const slow = deferred<void>();
    const done = deferred<void>();
    order.add(Promise.resolve('first'), async (value) => {
      await slow.promise;
      seen.push(value);
    });
    order.add(Promise.resolve('second'), () => {
      throw new Error('handler failed');
    });
    order.add(Promise.resolve('third'), (value) => {
      seen.push(value);
      done.resolve();
    });
    await new Promise((resolve) => setImmediate(resolve));
    expect(seen).toEqual([]);
    slow.resolve();
    await done.promise;
    expect(seen).toEqual(['first', 'third']);
    expect(errors).toEqual([new Error('handler failed')]);
  });
});
