import { contentionPause, CqlContentionError, type CqlSession } from '../../../shared/cql/index.js';
import { envelopesOfClaim } from '../envelope-ids.js';
import type { EnvelopeRecord, SealedSendRecord, SendKey, SentMessageRecord } from '../store.js';
import type { Mailboxes } from './mailbox.js';
import { maxAttempts } from './schema.js';
import { SealedSends } from './sealed-sends.js';
import { SentMessages, type SentClaim } from './sent-messages.js';

/** What writing a send came to: stored (now, or an earlier attempt finished), or a duplicate. */
export type SendWrite<Record> =
  | { readonly kind: 'stored'; readonly sent: Record; readonly envelopes: EnvelopeRecord[] }
  | { readonly kind: 'duplicate'; readonly sent: Record };

/**
 * A send's writes in the order that makes retries safe (see `ScyllaMessagingStore`): claim the
 * idempotency record (pending), write the envelopes of the claimed message, complete the record.
 * An attempt that finds another's claim not completed finishes it with that claim's message (the
 * same envelope ids, so the same rows); only a completed record makes a duplicate.
 */
export class Sends {
  private readonly sendClaims: SentMessages;
  private readonly sentMessages: SentMessages;
  private readonly sealedClaims: SealedSends;
  private readonly sealedSends: SealedSends;

  constructor(
    db: CqlSession,
    keyspace: string,
    retentionMs: number,
    private readonly mailboxes: Mailboxes,
  ) {
    this.sendClaims = new SentMessages(db, keyspace, retentionMs, 'send_claims');
    this.sentMessages = new SentMessages(db, keyspace, retentionMs, 'sent_messages');
    this.sealedClaims = new SealedSends(db, keyspace, retentionMs, 'sealed_send_claims');
    this.sealedSends = new SealedSends(db, keyspace, retentionMs, 'sealed_sends');
  }

  /** The completed record of a send, if any (a pending claim is not one). */
  findSent(key: SendKey): Promise<SentMessageRecord | null> {
    return this.sentMessages.find(key);
  }

  /** The first of `keys` with a completed sealed-send record. */
  findSealed(keys: readonly string[]): Promise<SealedSendRecord | null> {
    return this.sealedSends.find(keys);
  }

  async storeSent(
    sent: SentMessageRecord,
    envelopes: readonly EnvelopeRecord[],
  ): Promise<SendWrite<SentMessageRecord>> {
    const claim = await claimed(sent, (record) => this.sendClaims.claim(record), 'a sent message');
    let written = [...envelopes];
    if (claim.messageId !== sent.messageId) {
      // Another attempt's claim: completed already, or ours to finish (it may have died).
      const completed = await this.sentMessages.find(sent);
      if (completed) return { kind: 'duplicate', sent: completed };
      written = envelopesOfClaim(envelopes, claim);
    }
    await this.mailboxes.write(written);
    await this.sentMessages.write(claim);
    return { kind: 'stored', sent: claim, envelopes: written };
  }

  /** As storeSent; the first record's claim decides, and every recipient's record completes. */
  async storeSealed(
    records: readonly SealedSendRecord[],
    envelopes: readonly EnvelopeRecord[],
  ): Promise<SendWrite<SealedSendRecord>> {
    const [first] = records;
    if (!first) throw new Error('a sealed send has at least one recipient');
    const claim = await claimed(
      first,
      (record) => this.sealedClaims.claim(record),
      'a sealed send',
    );
    let written = [...envelopes];
    if (claim.messageId !== first.messageId) {
      const completed = await this.sealedSends.find([first.key]);
      if (completed) return { kind: 'duplicate', sent: completed };
      written = envelopesOfClaim(envelopes, claim);
    }
    await this.mailboxes.write(written);
    const { messageId, serverTimestamp, recipients } = claim;
    await Promise.all(
      records.map((record) =>
        this.sealedSends.write({ ...record, messageId, serverTimestamp, recipients }),
      ),
    );
    return { kind: 'stored', sent: claim, envelopes: written };
  }
}

/** The claim of `record`: itself when this attempt won it, else the record that did. */
async function claimed<Record>(
  record: Record,
  claim: (record: Record) => Promise<SentClaim<Record>>,
  what: string,
): Promise<Record> {
  for (let attempt = 0; attempt < maxAttempts; attempt++) {
    const outcome = await claim(record);
    if (outcome.applied) return record;
    if (outcome.winner) return outcome.winner;
    await contentionPause(attempt);
  }
  throw new CqlContentionError(`recording ${what}`);
}
