import type { SqliteDatabase } from '../../../shared/sqlite/index.js';
import type { DeviceAddress, EnvelopeRecord, MailboxPage, MailboxUsage } from '../store.js';
import { decodeCursor, encodeCursor, toEnvelope, type EnvelopeRow } from './rows.js';

/**
 * The envelopes of every device's mailbox, in server order (`seq`), and `mailbox_usage`, the
 * per-mailbox counts that triggers keep. Synchronous: index.ts adds transactions.
 */
export class MailboxTables {
  constructor(private readonly db: SqliteDatabase) {}

  insert(envelopes: readonly EnvelopeRecord[]): void {
    const insert = this.db.prepare(
      `INSERT INTO envelopes (id, message_id, recipient_user_id, recipient_device_id, type, sender_user_id, sender_device_id,
         conversation_id, content, server_timestamp, expires_at, receipt_requested)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    );
    for (const envelope of envelopes) {
      insert.run(
        envelope.id,
        envelope.messageId,
        envelope.recipientUserId,
        envelope.recipientDeviceId,
        envelope.type,
        envelope.senderUserId,
        envelope.senderDeviceId,
        envelope.conversationId,
        envelope.content,
        envelope.serverTimestamp.getTime(),
        envelope.expiresAt.getTime(),
        envelope.receiptRequested ? 1 : 0,
      );
    }
  }

  find(userId: string, deviceId: number, id: string, now: Date): EnvelopeRecord | null {
    const row = this.db
      .prepare(
        'SELECT * FROM envelopes WHERE id = ? AND recipient_user_id = ? AND recipient_device_id = ? AND expires_at > ?',
      )
      .get(id, userId, deviceId, now.getTime()) as EnvelopeRow | undefined;
    return row ? toEnvelope(row) : null;
  }

  findMany(userId: string, deviceId: number, ids: readonly string[], now: Date): EnvelopeRecord[] {
    const rows = this.db
      .prepare(
        `SELECT * FROM envelopes WHERE recipient_user_id = ? AND recipient_device_id = ?
           AND expires_at > ? AND id IN (SELECT value FROM json_each(?))`,
      )
      .all(userId, deviceId, now.getTime(), JSON.stringify(ids)) as EnvelopeRow[];
    return rows.map(toEnvelope);
  }

  read(
    userId: string,
    deviceId: number,
    after: string | null,
    limit: number,
    now: Date,
  ): MailboxPage {
    const afterSeq = after === null ? 0 : decodeCursor(after);
    const rows = this.db
      .prepare(
        `SELECT * FROM envelopes WHERE recipient_user_id = ? AND recipient_device_id = ? AND seq > ? AND expires_at > ?
         ORDER BY seq LIMIT ?`,
      )
      .all(userId, deviceId, afterSeq, now.getTime(), limit + 1) as EnvelopeRow[];
    const page = rows.slice(0, limit);
    const last = page[page.length - 1];
    return {
      envelopes: page.map(toEnvelope),
      cursor: last ? encodeCursor(last.seq) : after,
      hasMore: rows.length > limit,
    };
  }

  delete(userId: string, deviceId: number, ids: readonly string[]): EnvelopeRecord[] {
    if (ids.length === 0) return [];
    const rows = this.db
      .prepare(
        `DELETE FROM envelopes WHERE recipient_user_id = ? AND recipient_device_id = ?
         AND id IN (SELECT value FROM json_each(?)) RETURNING *`,
      )
      .all(userId, deviceId, JSON.stringify(ids)) as EnvelopeRow[];
    return rows.map(toEnvelope);
  }

  deleteMailbox(userId: string, deviceId: number): number {
    return this.db
      .prepare('DELETE FROM envelopes WHERE recipient_user_id = ? AND recipient_device_id = ?')
      .run(userId, deviceId).changes;
  }

  deleteExpired(now: Date): number {
    return this.db.prepare('DELETE FROM envelopes WHERE expires_at <= ?').run(now.getTime())
      .changes;
  }

  /** One small table: `mailbox_usage` has a row per non-empty mailbox. */
  countPending(): number {
    const row = this.db
      .prepare('SELECT COALESCE(SUM(envelopes), 0) AS pending FROM mailbox_usage')
      .get() as { pending: number };
    return row.pending;
  }

  usage(devices: readonly DeviceAddress[]): MailboxUsage[] {
    const read = this.db.prepare(
      'SELECT envelopes, bytes FROM mailbox_usage WHERE user_id = ? AND device_id = ?',
    );
    return devices.map(({ userId, deviceId }) => {
      const row = read.get(userId, deviceId) as { envelopes: number; bytes: number } | undefined;
      return { userId, deviceId, envelopes: row?.envelopes ?? 0, bytes: row?.bytes ?? 0 };
    });
  }
}
