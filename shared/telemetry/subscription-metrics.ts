import { Counter, Gauge } from 'prom-client';
import type { ServiceMetrics } from './metrics.js';

/** What the gateway's subscription server reports to its metrics. */
export interface SubscriptionMetrics {
  /** Counts a started subscription of `field` until the returned function is called. */
  started(field: string, operationName: string | null | undefined): () => void;
  /** Counts a subscription refused when it started (its error went to the client). */
  refused(operationName: string | null | undefined): void;
  /** Counts a socket the gateway ended because its client could not keep up or went silent. */
  dropped(reason: DropReason): void;
}

/**
 * Why the gateway ended a socket on its own: it fell more than the buffer limit behind
 * (`slow_consumer`, close 4413), or it left a keep-alive ping unanswered (`unanswered_ping`).
 */
export type DropReason = 'slow_consumer' | 'unanswered_ping';

/**
 * Open subscription sockets (read at scrape time) and active subscriptions by field. Fields are
 * those the gateway serves (a fixed set): an unknown field is refused before it is counted.
 */
export function subscriptionMetrics(
  { own: registry, operations }: Pick<ServiceMetrics, 'own' | 'operations'>,
  openSockets: () => number,
): SubscriptionMetrics {
  new Gauge({
    name: 'guardyn_subscription_sockets_open',
    help: 'Authenticated graphql-ws sockets open on this gateway',
    registers: [registry],
    collect() {
      this.set(openSockets());
    },
  });
  const active = new Gauge({
    name: 'guardyn_subscriptions_active',
    help: 'Active subscriptions by Subscription field',
    labelNames: ['field'] as const,
    registers: [registry],
  });
  const dropped = new Counter({
    name: 'guardyn_subscription_sockets_dropped_total',
    help: 'Sockets the gateway ended because the client fell behind or stopped answering pings',
    labelNames: ['reason'] as const,
    registers: [registry],
  });
  return {
    dropped(reason) {
      dropped.inc({ reason });
    },
    refused(operationName) {
      operations.count('subscription', operationName, 'error');
    },
    started(field, operationName) {
      operations.count('subscription', operationName, 'ok');
      active.inc({ field });
      let ended = false;
      return () => {
        if (ended) return;
        ended = true;
        active.dec({ field });
      };
    },
  };
}

/**
 * The iterator, calling `ended` once when it finishes, fails or is returned. `return()` ends the
 * count at once, before delegating: it may wait behind a pending `next()` (docs/design-notes.md).
 */
export function untilEnded<T>(
  iterator: AsyncIterableIterator<T>,
  ended: () => void,
): AsyncIterableIterator<T> {
  const wrapped: AsyncIterableIterator<T> = {
    async next() {
      try {
        const result = await iterator.next();
        if (result.done) ended();
        return result;
      } catch (error) {
        ended();
        throw error;
      }
    },
    async return(value?: unknown) {
      ended();
      return iterator.return ? iterator.return(value) : { done: true, value: undefined };
    },
    async throw(error?: unknown) {
      ended();
      if (iterator.throw) return iterator.throw(error);
      throw error;
    },
    [Symbol.asyncIterator]() {
      return wrapped;
    },
  };
  return wrapped;
}
