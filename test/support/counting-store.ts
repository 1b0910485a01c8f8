/** A store whose method calls are counted by name; every call still goes to the real store. */
export interface CountingStore<T> {
  readonly store: T;
  /** Calls of `method` since the start or the last `reset`. */
  calls(method: keyof T & string): number;
  reset(): void;
}

/**
 * Wraps a real store to count the calls a subgraph makes to its port (calls the store makes to
 * itself are not counted: methods run with the store itself as `this`).
 */
export function countingStore<T extends object>(target: T): CountingStore<T> {
  const counts = new Map<string, number>();
  const store = new Proxy(target, {
    get(object, property) {
      const value: unknown = Reflect.get(object, property, object);
      if (typeof value !== 'function' || typeof property !== 'string') return value;
      return (...args: unknown[]) => {
        counts.set(property, (counts.get(property) ?? 0) + 1);
        return (value as (...params: unknown[]) => unknown).apply(object, args);
      };
    },
  });
  return {
    store,
    calls: (method) => counts.get(method) ?? 0,
    reset: () => counts.clear(),
  };
}
