import type { SqliteDatabase } from '../../../shared/sqlite/index.js';

/**
 * Deletes a deleted account's rows from the messaging database (see
 * `MessagingStore.deleteUserData`); run inside the caller's transaction. Returns the groups the
 * user was removed from.
 */
export function deleteUserRows(db: SqliteDatabase, userId: string): string[] {
  const groups = db
    .prepare(
      `SELECT m.conversation_id AS id FROM conversation_members m
       JOIN conversations c ON c.id = m.conversation_id
       WHERE m.user_id = ? AND c.kind = 'GROUP' ORDER BY c.created_at, c.id`,
    )
    .all(userId) as { id: string }[];
  // Every device's mailbox; the usage triggers drop their rows, the DELETE after them any left.
  db.prepare('DELETE FROM envelopes WHERE recipient_user_id = ?').run(userId);
  db.prepare('DELETE FROM mailbox_usage WHERE user_id = ?').run(userId);
  db.prepare('DELETE FROM sent_messages WHERE sender_user_id = ?').run(userId);
  db.prepare('DELETE FROM wakeup_outbox WHERE user_id = ?').run(userId);
  // Direct conversations go whole (members and speakers cascade; `direct_key` names the user).
  db.prepare(
    `DELETE FROM conversations WHERE kind = 'DIRECT' AND id IN
       (SELECT conversation_id FROM conversation_members WHERE user_id = ?)`,
  ).run(userId);
  db.prepare('DELETE FROM conversation_members WHERE user_id = ?').run(userId);
  db.prepare('DELETE FROM conversation_speakers WHERE user_id = ?').run(userId);
  return groups.map((group) => group.id);
}
