import { conditional, consistency, type CqlSession } from '../../../shared/cql/index.js';
import type { SendKey, SentMessageRecord } from '../store.js';
import { toSent } from './rows.js';

/** What claiming a send's record found: it is ours, or whose it is (null: unknown yet). */
export type SentClaim<Record = SentMessageRecord> =
  { readonly applied: true } | { readonly applied: false; readonly winner: Record | null };

/**
 * `sent_messages`: the record of each send by (device, clientMessageId), claimed with
 * `IF NOT EXISTS` so one send wins it, and kept `USING TTL` the retention period.
 */
export class SentMessages {
  constructor(
    private readonly db: CqlSession,
    private readonly ks: string,
    private readonly retentionMs: number,
  ) {}

  /** The send's record (read at SERIAL to see the latest claim). */
  async find(
    key: SendKey,
    readConsistency: number = consistency.localQuorum,
  ): Promise<SentMessageRecord | null> {
    const row = await this.db.first(
      `SELECT * FROM ${this.ks}.sent_messages
         WHERE sender_user_id = ? AND sender_device_id = ? AND client_message_id = ?`,
      [key.senderUserId, key.senderDeviceId, key.clientMessageId],
      { consistency: readConsistency },
    );
    return row ? toSent(row) : null;
  }

  /** Claims the send's record for `sent` (a lightweight transaction). */
  async claim(sent: SentMessageRecord): Promise<SentClaim> {
    const outcome = await conditional(
      this.db,
      `INSERT INTO ${this.ks}.sent_messages (sender_user_id, sender_device_id, client_message_id,
         message_id, server_timestamp, recipients) VALUES (?, ?, ?, ?, ?, ?) IF NOT EXISTS USING TTL ?`,
      [
        sent.senderUserId,
        sent.senderDeviceId,
        sent.clientMessageId,
        sent.messageId,
        sent.serverTimestamp,
        sent.recipients,
        Math.max(1, Math.ceil(this.retentionMs / 1000)),
      ],
      async () => (await this.find(sent, consistency.localSerial))?.messageId === sent.messageId,
    );
    if (outcome.applied) return { applied: true };
    return {
      applied: false,
      winner: outcome.current
        ? toSent(outcome.current)
        : await this.find(sent, consistency.localSerial),
    };
  }
}
