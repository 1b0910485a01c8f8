import {
  cells,
  mapLimited,
  rowPages,
  type BatchStatement,
  type CqlSession,
} from '../../../shared/cql/index.js';
import type { ConversationRecord } from '../store.js';
import type { Conversations } from './conversations.js';
import type { Mailboxes } from './mailbox.js';
import type { WakeupOutbox } from './wakeup-outbox.js';
import { concurrency } from './schema.js';

/**
 * What `deleteUserData` removes on CQL: the mailboxes of the account's devices, its sent-message
 * records and claims, its kept wake-ups, its direct conversations whole, its group memberships, and its speaker marks. Each
 * step deletes what is there and is safe to repeat, so a redelivered event finishes what a crash
 * interrupted.
 */
export class AccountDataDeletion {
  constructor(
    private readonly db: CqlSession,
    private readonly ks: string,
    private readonly mailboxes: Mailboxes,
    private readonly conversations: Conversations,
    private readonly wakeups: WakeupOutbox,
  ) {}

  /** Deletes the user's data; returns the groups the user was removed from. */
  async delete(userId: string, deviceIds: readonly number[]): Promise<string[]> {
    await mapLimited([...new Set(deviceIds)], concurrency, (deviceId) =>
      this.mailboxes.removeAll(userId, deviceId),
    );
    for (const table of ['send_claims', 'sent_messages'] as const)
      await this.deleteSentRecords(table, userId);
    await this.wakeups.dropUser(userId);
    const conversations = await this.conversations.findMany(await this.conversations.idsOf(userId));
    const groups: string[] = [];
    for (const conversation of conversations) {
      if (conversation.kind === 'DIRECT') await this.deleteDirect(conversation);
      else if (await this.conversations.removeMember(conversation.id, userId))
        groups.push(conversation.id);
    }
    // What the loop did not reach: entries of conversations gone or left meanwhile.
    for (const table of ['conversations_by_member', 'speakers_by_user'])
      await this.db.execute(`DELETE FROM ${this.ks}.${table} WHERE user_id = ?`, [userId]);
    return groups;
  }

  /**
   * `sent_messages` and `send_claims` are keyed by (user, device, clientMessageId): no partition
   * lists a user's records, so they are found by a filtered scan of the table. Account deletions
   * are rare; the records also expire with the retention period (TTL).
   */
  private async deleteSentRecords(
    table: 'send_claims' | 'sent_messages',
    userId: string,
  ): Promise<void> {
    const pages = rowPages(
      this.db,
      `SELECT sender_device_id, client_message_id FROM ${this.ks}.${table}
       WHERE sender_user_id = ? ALLOW FILTERING`,
      [userId],
    );
    for await (const rows of pages) {
      await mapLimited(rows, concurrency, (row) =>
        this.db.execute(
          `DELETE FROM ${this.ks}.${table}
           WHERE sender_user_id = ? AND sender_device_id = ? AND client_message_id = ?`,
          [userId, cells.int(row, 'sender_device_id'), cells.text(row, 'client_message_id')],
        ),
      );
    }
  }

  /** A direct conversation, its listing and speaker rows for both users, and its pair claim. */
  private async deleteDirect(conversation: ConversationRecord): Promise<void> {
    const { id, createdAt, memberIds } = conversation;
    const statements: BatchStatement[] = [
      { query: `DELETE FROM ${this.ks}.conversations WHERE id = ?`, params: [id] },
      {
        query: `DELETE FROM ${this.ks}.direct_conversations WHERE pair = ?`,
        params: [[...memberIds].sort().join('|')],
      },
      ...memberIds.flatMap((memberId) => [
        {
          query: `DELETE FROM ${this.ks}.conversations_by_member
                  WHERE user_id = ? AND created_at = ? AND conversation_id = ?`,
          params: [memberId, createdAt, id],
        },
        {
          query: `DELETE FROM ${this.ks}.speakers_by_user WHERE user_id = ? AND conversation_id = ?`,
          params: [memberId, id],
        },
      ]),
    ];
    await this.db.batch(statements, { logged: true });
  }
}
