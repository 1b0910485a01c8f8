import { Gauge } from 'prom-client';
import { processRegistry } from './process-metrics.js';

const kept = new Gauge({
  name: 'guardyn_wakeup_outbox_size',
  help: 'Wake-ups of stored envelopes the bus did not take, kept in the store until the relay publishes them (as last seen by this process)',
  registers: [processRegistry],
});

/** What the wake-up relay last found kept (0 after a pass that found none). */
export function recordWakeupOutboxSize(size: number): void {
  kept.set(size);
}
