import { Gauge } from 'prom-client';
import { processRegistry } from './process-metrics.js';

const pending = new Gauge({
  name: 'guardyn_mailbox_envelopes_pending',
  help: 'Envelopes waiting in mailboxes (all devices), sampled; see guardyn_mailbox_sampled_at_seconds',
  registers: [processRegistry],
});
const sampledAt = new Gauge({
  name: 'guardyn_mailbox_sampled_at_seconds',
  help: 'Unix time of the last successful guardyn_mailbox_envelopes_pending sample',
  registers: [processRegistry],
});

/** How often the pending count is read: often enough for dashboards, rare enough that the CQL count (one read per expiry partition) stays cheap. */
export const mailboxSampleIntervalMs = 5 * 60_000;

/**
 * Samples `count` now and every `intervalMs` (a scrape never waits on the store); a failed
 * sample keeps the last value and is reported. Returns a function that stops sampling.
 */
export function sampleMailboxPending(
  count: () => Promise<number>,
  onError: (error: unknown) => void,
  intervalMs: number = mailboxSampleIntervalMs,
): () => void {
  let running = false;
  const sample = async () => {
    if (running) return;
    running = true;
    try {
      pending.set(await count());
      sampledAt.set(Date.now() / 1000);
    } catch (error) {
      onError(error);
    } finally {
      running = false;
    }
  };
  void sample();
  const timer = setInterval(() => void sample(), intervalMs);
  timer.unref();
  return () => clearInterval(timer);
}
