import type { SqliteDatabase } from '../../../shared/sqlite/index.js';
import type { SealedSendRecord } from '../store.js';

interface SealedSendRow {
  key: string;
  message_id: string;
  server_timestamp: number;
  recipients: number;
}

/**
 * The sealed-send records: one per (recipient, clientMessageId), keyed on its hash, naming no
 * sender. Synchronous: index.ts adds transactions.
 */
export class SealedSendTables {
  constructor(private readonly db: SqliteDatabase) {}

  /** The first of `keys` that has a record. */
  find(keys: readonly string[]): SealedSendRecord | null {
    const read = this.db.prepare('SELECT * FROM sealed_sends WHERE key = ?');
    for (const key of keys) {
      const row = read.get(key) as SealedSendRow | undefined;
      if (row) {
        return {
          key: row.key,
          messageId: row.message_id,
          serverTimestamp: new Date(row.server_timestamp),
          recipients: row.recipients,
        };
      }
    }
    return null;
  }

  insert(records: readonly SealedSendRecord[]): void {
    const insert = this.db.prepare(
      'INSERT INTO sealed_sends (key, message_id, server_timestamp, recipients) VALUES (?, ?, ?, ?)',
    );
    for (const record of records) {
      insert.run(record.key, record.messageId, record.serverTimestamp.getTime(), record.recipients);
    }
  }

  deleteOlderThan(before: Date): void {
    this.db.prepare('DELETE FROM sealed_sends WHERE server_timestamp < ?').run(before.getTime());
  }
}
