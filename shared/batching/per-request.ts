import { Batcher } from './batcher.js';

/**
 * One `T` per request context, made on first use and dropped with the context: the home of
 * per-request batchers, whose answers depend on the caller and must not outlive the request.
 */
export function perRequest<C extends object, T>(create: (context: C) => T): (context: C) => T {
  const made = new WeakMap<C, T>();
  return (context) => {
    let value = made.get(context);
    if (value === undefined) {
      value = create(context);
      made.set(context, value);
    }
    return value;
  };
}

/**
 * One `Batcher` per request context whose load sees the context (the caller it answers for):
 * every key one request asks for is loaded in one call, and no answer reaches another request.
 */
export function batcherPerRequest<C extends object, K, V>(
  load: (keys: readonly K[], context: C) => Promise<readonly V[]>,
): (context: C) => Batcher<K, V> {
  return perRequest((context: C) => new Batcher<K, V>((keys) => load(keys, context)));
}
