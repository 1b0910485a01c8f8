import { Counter, Gauge } from 'prom-client';
import type { BusHandler, EventBus } from '../bus/index.js';
import { processRegistry } from './process-metrics.js';
import { subjectFamily } from './subject-family.js';

const published = new Counter({
  name: 'guardyn_bus_messages_published_total',
  help: 'Bus messages published by subject family and delivery (core or durable)',
  labelNames: ['family', 'delivery'] as const,
  registers: [processRegistry],
});
const consumed = new Counter({
  name: 'guardyn_bus_messages_consumed_total',
  help: 'Bus messages handed to a handler by subject family and delivery (core or durable)',
  labelNames: ['family', 'delivery'] as const,
  registers: [processRegistry],
});
const consumerPending = new Gauge({
  name: 'guardyn_bus_consumer_pending_messages',
  help: 'JetStream consumer lag: messages left for the durable consumer after the last one delivered',
  labelNames: ['consumer'] as const,
  registers: [processRegistry],
});

/**
 * The bus, counting what it publishes and delivers. Durable consumer names come from the code
 * (a fixed set), so they may label the lag, which JetStream reports with each delivery.
 */
export function instrumentBus(bus: EventBus): EventBus {
  const counted =
    (delivery: 'core' | 'durable', handler: BusHandler): BusHandler =>
    (message) => {
      consumed.inc({ family: subjectFamily(message.subject), delivery });
      return handler(message);
    };
  return {
    async publish(subject, data, options) {
      await bus.publish(subject, data, options);
      published.inc({ family: subjectFamily(subject), delivery: 'core' });
    },
    async publishDurable(subject, data, options) {
      await bus.publishDurable(subject, data, options);
      published.inc({ family: subjectFamily(subject), delivery: 'durable' });
    },
    subscribe(pattern, handler) {
      return bus.subscribe(pattern, counted('core', handler));
    },
    consumeDurable(pattern, durableName, handler) {
      const lagged: BusHandler = (message) => {
        if (message.pending !== undefined) {
          consumerPending.set({ consumer: durableName }, message.pending);
        }
        return handler(message);
      };
      return bus.consumeDurable(pattern, durableName, counted('durable', lagged));
    },
    connection: () => bus.connection(),
    close: () => bus.close(),
  };
}
