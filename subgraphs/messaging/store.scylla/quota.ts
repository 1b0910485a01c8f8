import { incomingUsage, mailboxFull } from '../mailbox-usage.js';
import { UsageEstimates } from '../usage-estimates.js';
import type { EnvelopeRecord, MailboxFullOutcome, MailboxQuota } from '../store.js';
import type { Mailboxes } from './mailbox.js';

/**
 * The per-device quota as this store checks it: usage read before the write (not in one step, see
 * `storeMessageWithinQuota`), from this process's estimates where they are safe, else exactly
 * from `mailbox_sizes` (see usage-estimates.ts).
 */
export class MailboxQuotas {
  /** Spares the quota's aggregate read for devices far from full. */
  private readonly estimates = new UsageEstimates();

  constructor(private readonly mailboxes: Mailboxes) {}

  /** The devices the envelopes would put over the quota (null: none), `exemptUserIds` left out. */
  async refusal(
    envelopes: readonly EnvelopeRecord[],
    quota: MailboxQuota,
    exemptUserIds: readonly string[] = [],
  ): Promise<MailboxFullOutcome | null> {
    const usage = await this.estimates.usage(incomingUsage(envelopes), quota, (devices) =>
      this.mailboxes.usage(devices),
    );
    return mailboxFull(usage, envelopes, quota, exemptUserIds);
  }

  /** Envelopes this process has just stored: added to its estimates. */
  stored(envelopes: readonly EnvelopeRecord[]): void {
    this.estimates.added(incomingUsage(envelopes));
  }
}
