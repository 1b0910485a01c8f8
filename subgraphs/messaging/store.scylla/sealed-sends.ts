import {
  cells,
  conditional,
  consistency,
  inChunks,
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
 * A table of sealed-send records per recipient, keyed on a hash of (recipient, clientMessageId),
 * kept `USING TTL` the retention period like `sent_messages`: `sealed_send_claims`, where the
 * first recipient's record is claimed with `IF NOT EXISTS` before anything is written (the send's
 * decision), and `sealed_sends`, every recipient's record written once the envelopes are.
 */
export class SealedSends {
  constructor(
    private readonly db: CqlSession,
    private readonly ks: string,
    private readonly retentionMs: number,
    private readonly table: 'sealed_send_claims' | 'sealed_sends',
  ) {}

  /** The first of `keys` with a record (in `keys` order), in IN lists of 100 per read. */
  async find(keys: readonly string[]): Promise<SealedSendRecord | null> {
    const found = new Map<string, SealedSendRecord>();
    for (const chunk of inChunks(keys, 100)) {
      const { rows } = await this.db.execute(
        `SELECT * FROM ${this.ks}.${this.table} WHERE key IN ?`,
        [chunk],
      );
      for (const row of rows) found.set(cells.text(row, 'key'), toSealed(row));
    }
    for (const key of keys) {
      const record = found.get(key);
      if (record) return record;
    }
    return null;
  }

  /** One record, read at SERIAL to see the latest claim. */
  private async findClaimed(key: string): Promise<SealedSendRecord | null> {
    const row = await this.db.first(`SELECT * FROM ${this.ks}.${this.table} WHERE key = ?`, [key], {
      consistency: consistency.localSerial,
    });
    return row ? toSealed(row) : null;
  }

  /** Claims one record (a lightweight transaction). */
  async claim(record: SealedSendRecord): Promise<SentClaim<SealedSendRecord>> {
    const outcome = await conditional(
      this.db,
      `INSERT INTO ${this.ks}.${this.table} (key, message_id, server_timestamp, recipients)
         VALUES (?, ?, ?, ?) IF NOT EXISTS USING TTL ?`,
      [...this.values(record), this.ttl()],
      async () => (await this.findClaimed(record.key))?.messageId === record.messageId,
    );
    if (outcome.applied) return { applied: true };
    return {
      applied: false,
      winner: outcome.current ? toSealed(outcome.current) : await this.findClaimed(record.key),
    };
  }

  /** Writes a record without a condition (the send already won its claim). */
  async write(record: SealedSendRecord): Promise<void> {
    await this.db.execute(
      `INSERT INTO ${this.ks}.${this.table} (key, message_id, server_timestamp, recipients)
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
