import { openSqlite, truncateWal, type SqliteDatabase } from '../../../shared/sqlite/index.js';
import { incomingUsage, mailboxFull } from '../mailbox-usage.js';
import type {
  CommitOutcome,
  ConversationRecord,
  DeviceAddress,
  EnvelopeRecord,
  GroupCommit,
  MailboxFullOutcome,
  MailboxPage,
  MailboxQuota,
  MailboxUsage,
  MessagingStore,
  SealedSendRecord,
  SealedStoreOutcome,
  SentMessageRecord,
  StoreMessageOptions,
  StoreMessageOutcome,
  Wakeup,
} from '../store.js';
import { wakeupOutboxTtlMs } from '../store.js';
import { deleteUserRows } from './account-deletion.js';
import { ConversationTables } from './conversations.js';
import { MailboxTables } from './mailboxes.js';
import { messagingMigrations } from './schema.js';
import { SealedSendTables } from './sealed-sends.js';
import { SentMessageTables } from './sent-messages.js';
import { WakeupOutboxTable } from './wakeup-outbox.js';

/**
 * The embedded MessagingStore: one SQLite file, built from one set of tables per data group
 * (mailboxes, sent-message and sealed-send records, conversations, the wake-up outbox).
 * better-sqlite3 is synchronous, so each method is atomic; one that reads before it writes, or
 * writes several groups, runs in one transaction. A send's record and envelopes are one
 * transaction, so a failure leaves nothing for a retry to duplicate.
 */
export class SqliteMessagingStore implements MessagingStore {
  private readonly db: SqliteDatabase;
  private readonly mailboxes: MailboxTables;
  private readonly sentMessages: SentMessageTables;
  private readonly conversations: ConversationTables;
  private readonly sealedSends: SealedSendTables;
  private readonly wakeups: WakeupOutboxTable;

  constructor(file: string) {
    this.db = openSqlite(file, messagingMigrations);
    this.mailboxes = new MailboxTables(this.db);
    this.sentMessages = new SentMessageTables(this.db);
    this.conversations = new ConversationTables(this.db);
    this.sealedSends = new SealedSendTables(this.db);
    this.wakeups = new WakeupOutboxTable(this.db);
  }

  async countPendingEnvelopes(_now: Date): Promise<number> {
    return this.mailboxes.countPending();
  }

  async findSentMessage(senderUserId: string, senderDeviceId: number, clientMessageId: string) {
    return this.sentMessages.find({ senderUserId, senderDeviceId, clientMessageId });
  }

  async storeMessage(
    sent: SentMessageRecord,
    envelopes: readonly EnvelopeRecord[],
    options: StoreMessageOptions = {},
  ): Promise<StoreMessageOutcome> {
    const { condition, speaker } = options;
    return this.db.transaction((): StoreMessageOutcome => {
      const existing = this.sentMessages.find(sent);
      if (existing) return { kind: 'duplicate', sent: existing };
      if (condition) {
        const current = this.conversations.epochOf(condition.conversationId);
        if (current !== condition.epoch)
          return { kind: 'stale-epoch', currentEpoch: current ?? -1 };
      }
      // The order CQL writes them in: envelopes, then the record that completes the send.
      this.mailboxes.insert(envelopes);
      this.sentMessages.insert(sent);
      if (speaker) this.conversations.markSpeaker(speaker);
      return { kind: 'stored', sent, envelopes };
    })();
  }

  async findSealedSend(keys: readonly string[]): Promise<SealedSendRecord | null> {
    return this.sealedSends.find(keys);
  }

  /** The records, the quota check and the envelopes in one transaction. */
  async storeSealedWithinQuota(
    records: readonly SealedSendRecord[],
    envelopes: readonly EnvelopeRecord[],
    quota: MailboxQuota,
  ): Promise<SealedStoreOutcome> {
    const [first] = records;
    if (!first) throw new Error('a sealed send has at least one recipient');
    return this.db.transaction((): SealedStoreOutcome => {
      const existing = this.sealedSends.find(records.map((record) => record.key));
      if (existing) return { kind: 'duplicate', sent: existing };
      const usage = this.mailboxes.usage(incomingUsage(envelopes));
      const full = mailboxFull(usage, envelopes, quota);
      if (full) return full;
      this.mailboxes.insert(envelopes);
      this.sealedSends.insert(records);
      return { kind: 'stored', sent: first, envelopes };
    })();
  }

  async storeEnvelopes(envelopes: readonly EnvelopeRecord[]) {
    this.db.transaction(() => this.mailboxes.insert(envelopes))();
  }

  async findEnvelope(userId: string, deviceId: number, id: string, now: Date) {
    return this.mailboxes.find(userId, deviceId, id, now);
  }

  async findEnvelopes(userId: string, deviceId: number, ids: readonly string[], now: Date) {
    return this.mailboxes.findMany(userId, deviceId, ids, now);
  }

  async ensureDirectConversation(
    userIds: readonly [string, string],
    candidateId: string,
    now: Date,
  ) {
    return this.db.transaction(() => this.conversations.ensureDirect(userIds, candidateId, now))();
  }

  async findConversation(id: string) {
    return this.conversations.find(id);
  }

  async findConversations(ids: readonly string[]) {
    return this.db.transaction(() => this.conversations.findMany(ids))();
  }

  async listConversations(userId: string) {
    return this.conversations.list(userId);
  }

  async createGroup(conversation: ConversationRecord) {
    return this.db.transaction(() => this.conversations.createGroup(conversation))();
  }

  async commitGroup(commit: GroupCommit): Promise<CommitOutcome> {
    const { conversationId } = commit;
    return this.db.transaction((): CommitOutcome => {
      if (!this.conversations.advanceEpoch(conversationId, commit.expectedEpoch)) {
        return {
          kind: 'stale-epoch',
          currentEpoch: this.conversations.epochOf(conversationId) ?? -1,
        };
      }
      this.conversations.addMembers(conversationId, commit.addedUserIds);
      this.conversations.removeMembers(conversationId, commit.removedUserIds);
      this.mailboxes.insert(commit.envelopes);
      this.conversations.markSpeaker({ conversationId, userId: commit.committerUserId });
      return {
        kind: 'committed',
        conversation: this.conversations.find(conversationId) as ConversationRecord,
      };
    })();
  }

  async speakersSharingConversationWith(viewerId: string, userIds: readonly string[]) {
    return this.conversations.speakersSharingWith(viewerId, userIds);
  }

  async removeMember(conversationId: string, userId: string) {
    return this.conversations.removeMembers(conversationId, [userId]);
  }

  async readMailbox(
    userId: string,
    deviceId: number,
    after: string | null,
    limit: number,
    now: Date,
  ): Promise<MailboxPage> {
    return this.mailboxes.read(userId, deviceId, after, limit, now);
  }

  async deleteEnvelopes(userId: string, deviceId: number, ids: readonly string[]) {
    return this.mailboxes.delete(userId, deviceId, ids);
  }

  async deleteMailbox(userId: string, deviceId: number) {
    return this.mailboxes.deleteMailbox(userId, deviceId);
  }

  async deleteUserData(userId: string, _deviceIds: readonly number[]) {
    const groups = this.db.transaction(() => deleteUserRows(this.db, userId))();
    // secure_delete zeroed the rows; the checkpoint leaves no older copy of them in the WAL.
    truncateWal(this.db);
    return groups;
  }

  async deleteExpired(now: Date, sentRecordsBefore: Date) {
    this.sentMessages.deleteOlderThan(sentRecordsBefore);
    this.sealedSends.deleteOlderThan(sentRecordsBefore);
    this.wakeups.deleteOlderThan(new Date(now.getTime() - wakeupOutboxTtlMs));
    return this.mailboxes.deleteExpired(now);
  }

  // --- the wake-up outbox ---

  async keepWakeups(wakeups: readonly Wakeup[]): Promise<void> {
    this.db.transaction(() => this.wakeups.keep(wakeups))();
  }

  async keptWakeups(limit: number, now: Date): Promise<Wakeup[]> {
    return this.wakeups.kept(limit, new Date(now.getTime() - wakeupOutboxTtlMs));
  }

  async dropWakeups(envelopeIds: readonly string[]): Promise<void> {
    this.db.transaction(() => this.wakeups.drop(envelopeIds))();
  }

  async countKeptWakeups(): Promise<number> {
    return this.wakeups.count();
  }

  async ping() {
    this.db.prepare('SELECT 1').get();
  }

  async close() {
    if (this.db.open) this.db.close();
  }

  // --- mailbox quotas ---

  async mailboxUsage(devices: readonly DeviceAddress[]): Promise<MailboxUsage[]> {
    return this.mailboxes.usage(devices);
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
    const existing = this.sentMessages.find(sent);
    if (existing) return { kind: 'duplicate', sent: existing };
    const usage = this.mailboxes.usage(incomingUsage(envelopes));
    return mailboxFull(usage, envelopes, quota) ?? this.storeMessage(sent, envelopes, options);
  }

  /** As storeMessageWithinQuota: the check and commitGroup's transaction run back to back. */
  async commitGroupWithinQuota(
    commit: GroupCommit,
    quota: MailboxQuota,
    exemptUserIds: readonly string[],
  ): Promise<CommitOutcome | MailboxFullOutcome> {
    // A stale commit is told so first (commitGroup answers it): usage does not matter.
    if (this.conversations.epochOf(commit.conversationId) !== commit.expectedEpoch)
      return this.commitGroup(commit);
    const usage = this.mailboxes.usage(incomingUsage(commit.envelopes));
    return mailboxFull(usage, commit.envelopes, quota, exemptUserIds) ?? this.commitGroup(commit);
  }
}
