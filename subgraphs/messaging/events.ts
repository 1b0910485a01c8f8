import type { EnvelopeRecord } from './store.js';

/** What messaging announces after storing; index.ts publishes these on the bus. */
export interface MessagingEvents {
  /** Wakes the recipients' sockets (core) and the push service (durable, deduped by envelope id). */
  envelopesStored(envelopes: readonly EnvelopeRecord[]): Promise<void>;
}
