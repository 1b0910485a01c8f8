import { openSqlite, type SqliteDatabase } from '../../shared/sqlite/index.js';
import { incomingUsage, mailboxFull } from './mailbox-usage.js';
import { messagingMigrations } from './sqlite-schema.js';
import {
  decodeCursor,
  encodeCursor,
  toConversation,
  toEnvelope,
  toSent,
  type ConversationRow,
  type EnvelopeRow,
  type SentRow,
} from './sqlite-rows.js';
import {
  GroupExistsError,
  type CommitOutcome,
  type ConversationRecord,
  type DeviceAddress,
  type EnvelopeRecord,
  type GroupCommit,
  type MailboxFullOutcome,
  type MailboxPage,
  type MailboxQuota,
  type MailboxUsage,
  type MessagingStore,
  type SendKey,
  type SentMessageRecord,
  type Speaker,
  type StoreMessageOptions,
  type StoreMessageOutcome,
} from './store.js';

/** The embedded MessagingStore. better-sqlite3 is synchronous, so each transaction is atomic. */
export class SqliteMessagingStore implements MessagingStore {
  private readonly db: SqliteDatabase;

  constructor(file: string) {
    this.db = openSqlite(file, messagingMigrations);
  }

  /** One small table: `mailbox_usage` has a row per non-empty mailbox, kept by triggers. */
  async countPendingEnvelopes(_now: Date): Promise<number> {
    const row = this.db
      .prepare('SELECT COALESCE(SUM(envelopes), 0) AS pending FROM mailbox_usage')
      .get() as { pending: number };
    return row.pending;
  }

  async findSentMessage(senderUserId: string, senderDeviceId: number, clientMessageId: string) {
    return this.findSentSync({ senderUserId, senderDeviceId, clientMessageId });
  }

  async storeMessage(
    sent: SentMessageRecord,
    envelopes: readonly EnvelopeRecord[],
    options: StoreMessageOptions = {},
  ): Promise<StoreMessageOutcome> {
    const { condition, speaker } = options;
    return this.db.transaction((): StoreMessageOutcome => {
      const existing = this.findSentSync(sent);
      if (existing) return { kind: 'duplicate', sent: existing };
      if (condition) {
        const current = this.epochOf(condition.conversationId);
        if (current !== condition.epoch)
          return { kind: 'stale-epoch', currentEpoch: current ?? -1 };
      }
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
      this.insertEnvelopes(envelopes);
      if (speaker) this.markSpeaker(speaker);
      return { kind: 'stored', sent };
    })();
  }

  async storeEnvelopes(envelopes: readonly EnvelopeRecord[]) {
    this.db.transaction(() => this.insertEnvelopes(envelopes))();
  }

  async findEnvelope(userId: string, deviceId: number, id: string, now: Date) {
    const row = this.db
      .prepare(
        'SELECT * FROM envelopes WHERE id = ? AND recipient_user_id = ? AND recipient_device_id = ? AND expires_at > ?',
      )
      .get(id, userId, deviceId, now.getTime()) as EnvelopeRow | undefined;
    return row ? toEnvelope(row) : null;
  }

  async findEnvelopes(userId: string, deviceId: number, ids: readonly string[], now: Date) {
    const rows = this.db
      .prepare(
        `SELECT * FROM envelopes WHERE recipient_user_id = ? AND recipient_device_id = ?
           AND expires_at > ? AND id IN (SELECT value FROM json_each(?))`,
      )
      .all(userId, deviceId, now.getTime(), JSON.stringify(ids)) as EnvelopeRow[];
    return rows.map(toEnvelope);
  }

  async ensureDirectConversation(
    userIds: readonly [string, string],
    candidateId: string,
    now: Date,
  ) {
    const key = [...userIds].sort().join('|');
    return this.db.transaction(() => {
      const found = this.db
        .prepare('SELECT id FROM conversations WHERE direct_key = ?')
        .get(key) as { id: string } | undefined;
      if (found) return this.conversationSync(found.id);
      this.db
        .prepare(
          `INSERT INTO conversations (id, kind, direct_key, created_at) VALUES (?, 'DIRECT', ?, ?)`,
        )
        .run(candidateId, key, now.getTime());
      const addMember = this.db.prepare(
        'INSERT OR IGNORE INTO conversation_members (conversation_id, user_id) VALUES (?, ?)',
      );
      for (const userId of userIds) addMember.run(candidateId, userId);
      return this.conversationSync(candidateId);
    })() as ConversationRecord;
  }

  async findConversation(id: string) {
    return this.conversationSync(id);
  }

  async findConversations(ids: readonly string[]) {
    // Two reads in one transaction: the conversations, then all their members.
    return this.db.transaction(() => {
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
    })();
  }

  async listConversations(userId: string) {
    const rows = this.db
      .prepare(
        `SELECT c.id FROM conversations c JOIN conversation_members m ON m.conversation_id = c.id
         WHERE m.user_id = ? ORDER BY c.created_at, c.id`,
      )
      .all(userId) as { id: string }[];
    return rows.flatMap((row) => this.conversationSync(row.id) ?? []);
  }

  async createGroup(conversation: ConversationRecord) {
    return this.db.transaction(() => {
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
      return this.conversationSync(conversation.id) as ConversationRecord;
    })();
  }

  async commitGroup(commit: GroupCommit): Promise<CommitOutcome> {
    return this.db.transaction((): CommitOutcome => {
      const advanced = this.db
        .prepare('UPDATE conversations SET epoch = epoch + 1 WHERE id = ? AND epoch = ?')
        .run(commit.conversationId, commit.expectedEpoch);
      if (advanced.changes === 0) {
        return { kind: 'stale-epoch', currentEpoch: this.epochOf(commit.conversationId) ?? -1 };
      }
      const add = this.db.prepare(
        'INSERT OR IGNORE INTO conversation_members (conversation_id, user_id) VALUES (?, ?)',
      );
      const remove = this.db.prepare(
        'DELETE FROM conversation_members WHERE conversation_id = ? AND user_id = ?',
      );
      for (const userId of commit.addedUserIds) add.run(commit.conversationId, userId);
      for (const userId of commit.removedUserIds) remove.run(commit.conversationId, userId);
      this.insertEnvelopes(commit.envelopes);
      this.markSpeaker({ conversationId: commit.conversationId, userId: commit.committerUserId });
      return {
        kind: 'committed',
        conversation: this.conversationSync(commit.conversationId) as ConversationRecord,
      };
    })();
  }

  async speakersSharingConversationWith(viewerId: string, userIds: readonly string[]) {
    if (userIds.length === 0) return new Set<string>();
    // A speaker's row, where both the speaker and the viewer are members now.
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

  async removeMember(conversationId: string, userId: string) {
    return (
      this.db
        .prepare('DELETE FROM conversation_members WHERE conversation_id = ? AND user_id = ?')
        .run(conversationId, userId).changes > 0
    );
  }

  async readMailbox(
    userId: string,
    deviceId: number,
    after: string | null,
    limit: number,
    now: Date,
  ): Promise<MailboxPage> {
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

  async deleteEnvelopes(userId: string, deviceId: number, ids: readonly string[]) {
    if (ids.length === 0) return [];
    const rows = this.db
      .prepare(
        `DELETE FROM envelopes WHERE recipient_user_id = ? AND recipient_device_id = ?
         AND id IN (SELECT value FROM json_each(?)) RETURNING *`,
      )
      .all(userId, deviceId, JSON.stringify(ids)) as EnvelopeRow[];
    return rows.map(toEnvelope);
  }

  async deleteMailbox(userId: string, deviceId: number) {
    return this.db
      .prepare('DELETE FROM envelopes WHERE recipient_user_id = ? AND recipient_device_id = ?')
      .run(userId, deviceId).changes;
  }

  async deleteExpired(now: Date, sentRecordsBefore: Date) {
    this.db
      .prepare('DELETE FROM sent_messages WHERE server_timestamp < ?')
      .run(sentRecordsBefore.getTime());
    return this.db.prepare('DELETE FROM envelopes WHERE expires_at <= ?').run(now.getTime())
      .changes;
  }

  async ping() {
    this.db.prepare('SELECT 1').get();
  }

  async close() {
    if (this.db.open) this.db.close();
  }

  // --- mailbox quotas ---

  async mailboxUsage(devices: readonly DeviceAddress[]): Promise<MailboxUsage[]> {
    return this.usageSync(devices);
  }

  /**
   * better-sqlite3 is synchronous and storeMessage runs its transaction before its first await:
   * no statement runs between this check and that write.
   */
  async storeMessageWithinQuota(
    sent: SentMessageRecord,
    envelopes: readonly EnvelopeRecord[],
    quota: MailboxQuota,
    options?: StoreMessageOptions,
  ): Promise<StoreMessageOutcome | MailboxFullOutcome> {
    const existing = this.findSentSync(sent);
    if (existing) return { kind: 'duplicate', sent: existing };
    const usage = this.usageSync(incomingUsage(envelopes));
    return mailboxFull(usage, envelopes, quota) ?? this.storeMessage(sent, envelopes, options);
  }

  /** As storeMessageWithinQuota: the check and commitGroup's transaction run back to back. */
  async commitGroupWithinQuota(
    commit: GroupCommit,
    quota: MailboxQuota,
    exemptUserIds: readonly string[],
  ): Promise<CommitOutcome | MailboxFullOutcome> {
    // A stale commit is told so first (commitGroup answers it): usage does not matter.
    if (this.epochOf(commit.conversationId) !== commit.expectedEpoch)
      return this.commitGroup(commit);
    const usage = this.usageSync(incomingUsage(commit.envelopes));
    return mailboxFull(usage, commit.envelopes, quota, exemptUserIds) ?? this.commitGroup(commit);
  }

  private usageSync(devices: readonly DeviceAddress[]): MailboxUsage[] {
    const read = this.db.prepare(
      'SELECT envelopes, bytes FROM mailbox_usage WHERE user_id = ? AND device_id = ?',
    );
    return devices.map(({ userId, deviceId }) => {
      const row = read.get(userId, deviceId) as { envelopes: number; bytes: number } | undefined;
      return { userId, deviceId, envelopes: row?.envelopes ?? 0, bytes: row?.bytes ?? 0 };
    });
  }

  private findSentSync(sent: SendKey): SentMessageRecord | null {
    const row = this.db
      .prepare(
        'SELECT * FROM sent_messages WHERE sender_user_id = ? AND sender_device_id = ? AND client_message_id = ?',
      )
      .get(sent.senderUserId, sent.senderDeviceId, sent.clientMessageId) as SentRow | undefined;
    return row ? toSent(row) : null;
  }

  private epochOf(conversationId: string): number | null {
    const row = this.db
      .prepare('SELECT epoch FROM conversations WHERE id = ?')
      .get(conversationId) as { epoch: number | null } | undefined;
    return row?.epoch ?? null;
  }

  private markSpeaker(speaker: Speaker): void {
    this.db
      .prepare(
        'INSERT OR IGNORE INTO conversation_speakers (user_id, conversation_id) VALUES (?, ?)',
      )
      .run(speaker.userId, speaker.conversationId);
  }

  private insertEnvelopes(envelopes: readonly EnvelopeRecord[]): void {
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

  private conversationSync(id: string): ConversationRecord | null {
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
}
