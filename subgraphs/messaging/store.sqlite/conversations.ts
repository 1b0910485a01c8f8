import type { SqliteDatabase } from '../../../shared/sqlite/index.js';
import { GroupExistsError, type ConversationRecord, type Speaker } from '../store.js';
import { toConversation, type ConversationRow } from './rows.js';

/**
 * Conversations, their members, and who has spoken in each (for presence privacy).
 * Synchronous: index.ts adds transactions.
 */
export class ConversationTables {
  constructor(private readonly db: SqliteDatabase) {}

  find(id: string): ConversationRecord | null {
    const row = this.db.prepare('SELECT * FROM conversations WHERE id = ?').get(id) as
      ConversationRow | undefined;
    if (!row) return null;
    const members = this.db
      .prepare('SELECT user_id FROM conversation_members WHERE conversation_id = ? ORDER BY rowid')
      .all(id) as { user_id: string }[];
    return toConversation(
      row,
      members.map((member) => member.user_id),
    );
  }

  /** Two reads (run them in one transaction): the conversations, then all their members. */
  findMany(ids: readonly string[]): ConversationRecord[] {
    const idList = JSON.stringify(ids);
    const rows = this.db
      .prepare('SELECT * FROM conversations WHERE id IN (SELECT value FROM json_each(?))')
      .all(idList) as ConversationRow[];
    const members = this.db
      .prepare(
        `SELECT conversation_id, user_id FROM conversation_members
         WHERE conversation_id IN (SELECT value FROM json_each(?)) ORDER BY rowid`,
      )
      .all(idList) as { conversation_id: string; user_id: string }[];
    const membersOf = new Map<string, string[]>();
    for (const member of members) {
      membersOf.set(member.conversation_id, [
        ...(membersOf.get(member.conversation_id) ?? []),
        member.user_id,
      ]);
    }
    return rows.map((row) => toConversation(row, membersOf.get(row.id) ?? []));
  }

  list(userId: string): ConversationRecord[] {
    const rows = this.db
      .prepare(
        `SELECT c.id FROM conversations c JOIN conversation_members m ON m.conversation_id = c.id
         WHERE m.user_id = ? ORDER BY c.created_at, c.id`,
      )
      .all(userId) as { id: string }[];
    return rows.flatMap((row) => this.find(row.id) ?? []);
  }

  /** The pair's direct conversation, created with `candidateId` if there is none. */
  ensureDirect(
    userIds: readonly [string, string],
    candidateId: string,
    now: Date,
  ): ConversationRecord {
    const key = [...userIds].sort().join('|');
    const found = this.db.prepare('SELECT id FROM conversations WHERE direct_key = ?').get(key) as
      { id: string } | undefined;
    if (found) return this.find(found.id) as ConversationRecord;
    this.db
      .prepare(
        `INSERT INTO conversations (id, kind, direct_key, created_at) VALUES (?, 'DIRECT', ?, ?)`,
      )
      .run(candidateId, key, now.getTime());
    const addMember = this.db.prepare(
      'INSERT OR IGNORE INTO conversation_members (conversation_id, user_id) VALUES (?, ?)',
    );
    for (const userId of userIds) addMember.run(candidateId, userId);
    return this.find(candidateId) as ConversationRecord;
  }

  createGroup(conversation: ConversationRecord): ConversationRecord {
    if (
      this.db
        .prepare('SELECT 1 FROM conversations WHERE mls_group_id = ?')
        .get(conversation.mlsGroupId)
    ) {
      throw new GroupExistsError();
    }
    this.db
      .prepare(
        `INSERT INTO conversations (id, kind, mls_group_id, epoch, created_at) VALUES (?, 'GROUP', ?, 0, ?)`,
      )
      .run(conversation.id, conversation.mlsGroupId, conversation.createdAt.getTime());
    const addMember = this.db.prepare(
      'INSERT INTO conversation_members (conversation_id, user_id) VALUES (?, ?)',
    );
    for (const userId of conversation.memberIds) addMember.run(conversation.id, userId);
    return this.find(conversation.id) as ConversationRecord;
  }

  /** Moves the epoch on by one if it is `expected`; false if it is not (a stale commit). */
  advanceEpoch(conversationId: string, expected: number): boolean {
    return (
      this.db
        .prepare('UPDATE conversations SET epoch = epoch + 1 WHERE id = ? AND epoch = ?')
        .run(conversationId, expected).changes > 0
    );
  }

  epochOf(conversationId: string): number | null {
    const row = this.db
      .prepare('SELECT epoch FROM conversations WHERE id = ?')
      .get(conversationId) as { epoch: number | null } | undefined;
    return row?.epoch ?? null;
  }

  addMembers(conversationId: string, userIds: readonly string[]): void {
    const add = this.db.prepare(
      'INSERT OR IGNORE INTO conversation_members (conversation_id, user_id) VALUES (?, ?)',
    );
    for (const userId of userIds) add.run(conversationId, userId);
  }

  /** Whether each was a member; true if any was. */
  removeMembers(conversationId: string, userIds: readonly string[]): boolean {
    const remove = this.db.prepare(
      'DELETE FROM conversation_members WHERE conversation_id = ? AND user_id = ?',
    );
    let removed = false;
    for (const userId of userIds)
      removed = remove.run(conversationId, userId).changes > 0 || removed;
    return removed;
  }

  markSpeaker(speaker: Speaker): void {
    this.db
      .prepare(
        'INSERT OR IGNORE INTO conversation_speakers (user_id, conversation_id) VALUES (?, ?)',
      )
      .run(speaker.userId, speaker.conversationId);
  }

  /** Of `userIds`, those who spoke in a conversation that they and the viewer are members of now. */
  speakersSharingWith(viewerId: string, userIds: readonly string[]): Set<string> {
    if (userIds.length === 0) return new Set<string>();
    const rows = this.db
      .prepare(
        `SELECT DISTINCT s.user_id FROM conversation_speakers s
         JOIN conversation_members speaker ON speaker.conversation_id = s.conversation_id AND speaker.user_id = s.user_id
         JOIN conversation_members viewer ON viewer.conversation_id = s.conversation_id AND viewer.user_id = ?
         WHERE s.user_id IN (SELECT value FROM json_each(?))`,
      )
      .all(viewerId, JSON.stringify([...new Set(userIds)])) as { user_id: string }[];
    return new Set(rows.map((row) => row.user_id));
  }
}
