import type { MembershipEvent } from '../../shared/bus/index.js';
import type { EnvelopeRecord } from './store.js';

/** What messaging announces after storing; index.ts publishes these on the bus. */
export interface MessagingEvents {
  /** Wakes the recipients' sockets (core) and the push service (durable, deduped by envelope id). */
  envelopesStored(envelopes: readonly EnvelopeRecord[]): Promise<void>;
  /**
   * A conversation's members changed (core), so rights granted on membership (typing
   * subscriptions) are re-checked. Never throws: the change is stored already, and listeners
   * also re-check on a timer.
   */
  membershipChanged(change: MembershipEvent): Promise<void>;
}
