import { conditional, consistency, type CqlSession } from '../../../shared/cql/index.js';
import type { SendKey, SentMessageRecord } from '../store.js';
import { toSent } from './rows.js';

/** What claiming a send's record found: it is ours, or whose it is (null: unknown yet). */
export type SentClaim<Record = SentMessageRecord> =
  { readonly applied: true } | { readonly applied: false; readonly winner: Record | null };

/** The two tables of a send's record: its claim and its completion. */
export type SentTable = 'send_claims' | 'sent_messages';

/**
 * A table of send records by (device, clientMessageId), kept `USING TTL` the retention period:
 * `send_claims`, claimed with `IF NOT EXISTS` before anything is written so one message wins
 * (a claim without its `sent_messages` row is pending), and `sent_messages`, written without a
 * condition once the envelopes are (the send is complete). Two tables, so that no row mixes
 * lightweight transactions with plain writes.
 */
export class SentMessages {
  constructor(
    private readonly db: CqlSession,
    private readonly ks: string,
    private readonly retentionMs: number,
    private readonly table: SentTable,
  ) {}

  /** The send's record (read at SERIAL to see the latest claim). */
  async find(
    key: SendKey,
    readConsistency: number = consistency.localQuorum,
  ): Promise<SentMessageRecord | null> {
    const row = await this.db.first(
      `SELECT * FROM ${this.ks}.${this.table}
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
      `${this.insert()} IF NOT EXISTS USING TTL ?`,
      [...this.values(sent), this.ttl()],
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

  /** Writes the record without a condition (the send's claim was won already). */
  async write(sent: SentMessageRecord): Promise<void> {
    await this.db.execute(`${this.insert()} USING TTL ?`, [...this.values(sent), this.ttl()]);
  }

  private insert(): string {
    return `INSERT INTO ${this.ks}.${this.table} (sender_user_id, sender_device_id,
      client_message_id, message_id, server_timestamp, recipients) VALUES (?, ?, ?, ?, ?, ?)`;
  }

  private values(sent: SentMessageRecord): unknown[] {
    return [
      sent.senderUserId,
      sent.senderDeviceId,
      sent.clientMessageId,
      sent.messageId,
      sent.serverTimestamp,
      sent.recipients,
    ];
  }

  private ttl(): number {
    return Math.max(1, Math.ceil(this.retentionMs / 1000));
  }
}
