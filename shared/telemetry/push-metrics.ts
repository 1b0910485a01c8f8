import { Counter } from 'prom-client';
import { processRegistry } from './process-metrics.js';

const pushes = new Counter({
  name: 'guardyn_push_sends_total',
  help: 'Wake-up push attempts by provider (fcm, apns) and outcome (sent, invalid-token, retry, failed)',
  labelNames: ['provider', 'outcome'] as const,
  registers: [processRegistry],
});

/** Records one push attempt; both values come from fixed sets in the notification subgraph. */
export function countPush(platform: 'FCM' | 'APNS', outcome: string): void {
  pushes.inc({ provider: platform.toLowerCase(), outcome });
}
