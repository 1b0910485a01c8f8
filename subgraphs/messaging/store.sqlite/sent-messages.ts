import type { SqliteDatabase } from '../../../shared/sqlite/index.js';
import type { SendKey, SentMessageRecord } from '../store.js';
import { toSent, type SentRow } from './rows.js';

/**
 * The sent-message records: one per (device, clientMessageId), which makes a send idempotent.
 * Synchronous: index.ts adds transactions.
 */
export class SentMessageTables {
  constructor(private readonly db: SqliteDatabase) {}

  find(sent: SendKey): SentMessageRecord | null {
    const row = this.db
      .prepare(
        'SELECT * FROM sent_messages WHERE sender_user_id = ? AND sender_device_id = ? AND client_message_id = ?',
      )
      .get(sent.senderUserId, sent.senderDeviceId, sent.clientMessageId) as SentRow | undefined;
    return row ? toSent(row) : null;
  }

  insert(sent: SentMessageRecord): void {
    this.db
      .prepare(
        `INSERT INTO sent_messages (sender_user_id, sender_device_id, client_message_id, message_id, server_timestamp, recipients)
         VALUES (?, ?, ?, ?, ?, ?)`,
      )
      .run(
        sent.senderUserId,
        sent.senderDeviceId,
        sent.clientMessageId,
        sent.messageId,
        sent.serverTimestamp.getTime(),
        sent.recipients,
      );
  }

  deleteOlderThan(before: Date): void {
    this.db.prepare('DELETE FROM sent_messages WHERE server_timestamp < ?').run(before.getTime());
  }
}
