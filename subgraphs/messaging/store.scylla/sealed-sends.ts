import {
  cells,
  conditional,
  consistency,
  type CqlSession,
  type Row,
} from '../../../shared/cql/index.js';
import type { SealedSendRecord } from '../store.js';
import type { SentClaim } from './sent-messages.js';

function toSealed(row: Row): SealedSendRecord {
  return {
    key: cells.text(row, 'key'),
    messageId: cells.text(row, 'message_id'),
    serverTimestamp: cells.date(row, 'server_timestamp'),
    recipients: cells.int(row, 'recipients'),
  };
}

/**
 * `sealed_sends`: a sealed send's record per recipient, keyed on a hash of (recipient,
 * clientMessageId), kept `USING TTL` the retention period like `sent_messages`. The first
 * recipient's record is claimed with `IF NOT EXISTS` (the send's decision); the others follow.
 */
export class SealedSends {
  constructor(
    private readonly db: CqlSession,
    private readonly ks: string,
    private readonly retentionMs: number,
  ) {}

  /** The first of `keys` with a record (read at SERIAL where the latest claim matters). */
  async find(
    keys: readonly string[],
    readConsistency: number = consistency.localQuorum,
  ): Promise<SealedSendRecord | null> {
    for (const key of keys) {
      const row = await this.db.first(
        `SELECT * FROM ${this.ks}.sealed_sends WHERE key = ?`,
        [key],
        { consistency: readConsistency },
      );
      if (row) return toSealed(row);
    }
    return null;
  }

  /** Claims one record (a lightweight transaction). */
  async claim(record: SealedSendRecord): Promise<SentClaim<SealedSendRecord>> {
    const outcome = await conditional(
      this.db,
      `INSERT INTO ${this.ks}.sealed_sends (key, message_id, server_timestamp, recipients)
         VALUES (?, ?, ?, ?) IF NOT EXISTS USING TTL ?`,
      [...this.values(record), this.ttl()],
      async () =>
        (await this.find([record.key], consistency.localSerial))?.messageId === record.messageId,
    );
    if (outcome.applied) return { applied: true };
    return {
      applied: false,
      winner: outcome.current
        ? toSealed(outcome.current)
        : await this.find([record.key], consistency.localSerial),
    };
  }

  /** Writes a record without a condition (the send already won its claim). */
  async write(record: SealedSendRecord): Promise<void> {
    await this.db.execute(
      `INSERT INTO ${this.ks}.sealed_sends (key, message_id, server_timestamp, recipients)
         VALUES (?, ?, ?, ?) USING TTL ?`,
      [...this.values(record), this.ttl()],
    );
  }

  private values(record: SealedSendRecord) {
    return [record.key, record.messageId, record.serverTimestamp, record.recipients];
  }

  private ttl(): number {
    return Math.max(1, Math.ceil(this.retentionMs / 1000));
  }
}
