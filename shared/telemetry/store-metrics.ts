import { Histogram } from 'prom-client';
import { processRegistry } from './process-metrics.js';

const storeCalls = new Histogram({
  name: 'guardyn_store_call_seconds',
  help: 'Store port calls by store (subgraph), operation (port method) and outcome',
  labelNames: ['store', 'operation', 'outcome'] as const,
  buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
  registers: [processRegistry],
});

/**
 * The store, timing every call of its port (SQLite and CQL alike). Operations are method names,
 * a fixed set from the code; calls the store makes to itself are not timed.
 */
export function timedStore<T extends object>(storeName: string, target: T): T {
  return new Proxy(target, {
    get(object, property) {
      const value: unknown = Reflect.get(object, property, object);
      if (typeof value !== 'function' || typeof property !== 'string') return value;
      return (...args: unknown[]) => {
        const stop = storeCalls.startTimer({ store: storeName, operation: property });
        try {
          const result: unknown = (value as (...params: unknown[]) => unknown).apply(object, args);
          if (result instanceof Promise) {
            return result.then(
              (resolved: unknown) => {
                stop({ outcome: 'ok' });
                return resolved;
              },
              (error: unknown) => {
                stop({ outcome: 'error' });
                throw error;
              },
            );
          }
          stop({ outcome: 'ok' });
          return result;
        } catch (error) {
          stop({ outcome: 'error' });
          throw error;
        }
      };
    },
  });
}
