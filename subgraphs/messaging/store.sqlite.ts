import { openSqlite, type SqliteDatabase } from '../../shared/sqlite/index.js';
import { devicesOverQuota, incomingUsage } from './mailbox-usage.js';
import {
  GroupExistsError,
  type CommitOutcome,
  type ConversationKind,
  type ConversationRecord,
  type DeviceAddress,
  type EnvelopeRecord,
  type EnvelopeType,
  type GroupCommit,
  type MailboxFullOutcome,
  type MailboxPage,
  type MailboxQuota,
  type MailboxUsage,
  type MessagingStore,
  type SentMessageRecord,
  type Speaker,
  type StoreMessageOptions,
  type StoreMessageOutcome,
} from './store.js';

const migrations = [
  `
  CREATE TABLE conversations (
    id TEXT PRIMARY KEY,
    kind TEXT NOT NULL,
    -- 'userA|userB' (sorted) for direct conversations: one per pair.
    direct_key TEXT UNIQUE,
    mls_group_id BLOB UNIQUE,
    epoch INTEGER,
    created_at INTEGER NOT NULL
  );
  CREATE TABLE conversation_members (
    conversation_id TEXT NOT NULL REFERENCES conversations(id) ON DELETE CASCADE,
    user_id TEXT NOT NULL,
    PRIMARY KEY (conversation_id, user_id)
  );
  CREATE INDEX members_by_user ON conversation_members (user_id);
  -- seq orders each mailbox (server order) and is the paging cursor.
  CREATE TABLE envelopes (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    id TEXT NOT NULL UNIQUE,
    message_id TEXT NOT NULL,
    recipient_user_id TEXT NOT NULL,
    recipient_device_id INTEGER NOT NULL,
    type TEXT NOT NULL,
    sender_user_id TEXT,
    sender_device_id INTEGER,
    conversation_id TEXT,
    content BLOB NOT NULL,
    server_timestamp INTEGER NOT NULL,
    expires_at INTEGER NOT NULL,
    receipt_requested INTEGER NOT NULL
  );
  CREATE INDEX mailbox ON envelopes (recipient_user_id, recipient_device_id, seq);
  CREATE INDEX envelopes_by_expiry ON envelopes (expires_at);
  CREATE TABLE sent_messages (
    sender_user_id TEXT NOT NULL,
    sender_device_id INTEGER NOT NULL,
    client_message_id TEXT NOT NULL,
    message_id TEXT NOT NULL,
    server_timestamp INTEGER NOT NULL,
    recipients INTEGER NOT NULL,
    PRIMARY KEY (sender_user_id, sender_device_id, client_message_id)
  );
  CREATE INDEX sent_by_time ON sent_messages (server_timestamp);
  `,
  // Each mailbox's usage, kept by triggers in the transaction of every envelope insert and delete
  // (sends, acks, expiry, removed devices), so the quota check reads one row.
  `
  CREATE TABLE mailbox_usage (
    user_id TEXT NOT NULL,
    device_id INTEGER NOT NULL,
    envelopes INTEGER NOT NULL,
    bytes INTEGER NOT NULL,
    PRIMARY KEY (user_id, device_id)
  ) WITHOUT ROWID;
  INSERT INTO mailbox_usage (user_id, device_id, envelopes, bytes)
    SELECT recipient_user_id, recipient_device_id, COUNT(*), SUM(length(content))
    FROM envelopes GROUP BY recipient_user_id, recipient_device_id;
  CREATE TRIGGER envelope_added AFTER INSERT ON envelopes BEGIN
    INSERT INTO mailbox_usage (user_id, device_id, envelopes, bytes)
      VALUES (NEW.recipient_user_id, NEW.recipient_device_id, 1, length(NEW.content))
      ON CONFLICT (user_id, device_id)
      DO UPDATE SET envelopes = envelopes + 1, bytes = bytes + excluded.bytes;
  END;
  CREATE TRIGGER envelope_removed AFTER DELETE ON envelopes BEGIN
    UPDATE mailbox_usage SET envelopes = envelopes - 1, bytes = bytes - length(OLD.content)
      WHERE user_id = OLD.recipient_user_id AND device_id = OLD.recipient_device_id;
    DELETE FROM mailbox_usage
      WHERE user_id = OLD.recipient_user_id AND device_id = OLD.recipient_device_id AND envelopes <= 0;
  END;
  `,
  // Who has spoken where: presence is shown to conversation peers by this, not by membership.
  // Starts empty: peers see each other again once they speak after the upgrade.
  `
  CREATE TABLE conversation_speakers (
    user_id TEXT NOT NULL,
    conversation_id TEXT NOT NULL REFERENCES conversations(id) ON DELETE CASCADE,
    PRIMARY KEY (user_id, conversation_id)
  );
  `,
];

interface ConversationRow {
  id: string;
  kind: ConversationKind;
  mls_group_id: Buffer | null;
  epoch: number | null;
  created_at: number;
}
interface EnvelopeRow {
  seq: number;
  id: string;
  message_id: string;
  recipient_user_id: string;
  recipient_device_id: number;
  type: EnvelopeType;
  sender_user_id: string | null;
  sender_device_id: number | null;
  conversation_id: string | null;
  content: Buffer;
  server_timestamp: number;
  expires_at: number;
  receipt_requested: number;
}
interface SentRow {
  sender_user_id: string;
  sender_device_id: number;
  client_message_id: string;
  message_id: string;
  server_timestamp: number;
  recipients: number;
}

function toEnvelope(row: EnvelopeRow): EnvelopeRecord {
  return {
    id: row.id,
    messageId: row.message_id,
    recipientUserId: row.recipient_user_id,
    recipientDeviceId: row.recipient_device_id,
    type: row.type,
    senderUserId: row.sender_user_id,
    senderDeviceId: row.sender_device_id,
    conversationId: row.conversation_id,
    content: new Uint8Array(row.content),
    serverTimestamp: new Date(row.server_timestamp),
    expiresAt: new Date(row.expires_at),
    receiptRequested: row.receipt_requested !== 0,
  };
}
function toSent(row: SentRow): SentMessageRecord {
  return {
    senderUserId: row.sender_user_id,
    senderDeviceId: row.sender_device_id,
    clientMessageId: row.client_message_id,
    messageId: row.message_id,
    serverTimestamp: new Date(row.server_timestamp),
    recipients: row.recipients,
  };
}

const encodeCursor = (seq: number) => Buffer.from(String(seq)).toString('base64url');
function decodeCursor(cursor: string): number {
  const seq = Number(Buffer.from(cursor, 'base64url').toString());
  return Number.isSafeInteger(seq) && seq >= 0 ? seq : -1;
}

/** The embedded MessagingStore. better-sqlite3 is synchronous, so each transaction is atomic. */
export class SqliteMessagingStore implements MessagingStore {
  private readonly db: SqliteDatabase;

  constructor(file: string) {
    this.db = openSqlite(file, migrations);
  }

  /** One small table: `mailbox_usage` has a row per non-empty mailbox, kept by triggers. */
  async countPendingEnvelopes(_now: Date): Promise<number> {
    const row = this.db
      .prepare('SELECT COALESCE(SUM(envelopes), 0) AS pending FROM mailbox_usage')
      .get() as { pending: number };
    return row.pending;
  }

  async findSentMessage(senderUserId: string, senderDeviceId: number, clientMessageId: string) {
    const row = this.db
      .prepare(
        'SELECT * FROM sent_messages WHERE sender_user_id = ? AND sender_device_id = ? AND client_message_id = ?',
      )
      .get(senderUserId, senderDeviceId, clientMessageId) as SentRow | undefined;
    return row ? toSent(row) : null;
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
    const full = devicesOverQuota(this.usageSync(incomingUsage(envelopes)), envelopes, quota);
    if (full.length > 0) return { kind: 'mailbox-full', full };
    return this.storeMessage(sent, envelopes, options);
  }

  /** As storeMessageWithinQuota: the check and commitGroup's transaction run back to back. */
  async commitGroupWithinQuota(
    commit: GroupCommit,
    quota: MailboxQuota,
    exemptUserIds: readonly string[],
  ): Promise<CommitOutcome | MailboxFullOutcome> {
    // A stale commit is told so first: its devices' usage does not matter.
    if (this.epochOf(commit.conversationId) === commit.expectedEpoch) {
      const { envelopes } = commit;
      const usage = this.usageSync(incomingUsage(envelopes));
      const full = devicesOverQuota(usage, envelopes, quota, exemptUserIds);
      if (full.length > 0) return { kind: 'mailbox-full', full };
    }
    return this.commitGroup(commit);
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

  private findSentSync(sent: SentMessageRecord): SentMessageRecord | null {
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

function toConversation(row: ConversationRow, memberIds: readonly string[]): ConversationRecord {
  return {
    id: row.id,
    kind: row.kind,
    mlsGroupId: row.mls_group_id ? new Uint8Array(row.mls_group_id) : null,
    epoch: row.epoch,
    createdAt: new Date(row.created_at),
    memberIds,
  };
}
