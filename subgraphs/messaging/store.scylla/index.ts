import { randomUUID } from 'node:crypto';
import {
  consistency,
  contentionPause,
  CqlContentionError,
  KeyspaceStore,
  openKeyspace,
  type CqlSession,
  type CqlStoreOptions,
} from '../../../shared/cql/index.js';
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
import { AccountDataDeletion } from './account-deletion.js';
import { CommitOutbox } from './commit-outbox.js';
import { Conversations } from './conversations.js';
import { Mailboxes } from './mailbox.js';
import { MailboxQuotas } from './quota.js';
import { maxAttempts, migrations } from './schema.js';
import { Sends } from './sends.js';
import { Speakers } from './speakers.js';
import { WakeupOutbox } from './wakeup-outbox.js';

export interface ScyllaMessagingStoreOptions extends CqlStoreOptions {
  /** How long sent-message records are kept for idempotency (GUARDYN_MESSAGING__RETENTION_DAYS). */
  readonly sentRecordRetentionMs: number;
}

/**
 * The distributed MessagingStore on ScyllaDB (or Cassandra), composed of one store per data group
 * (the tables are described in schema.ts): the mailboxes and their expiry index, the sent-message
 * records, the conversations, the commit outbox and the speakers. Envelopes of one send go to many
 * mailbox partitions, which no CQL transaction spans; the order of writes, kept here, makes up for it:
 *
 * - `storeMessage` claims the (device, clientMessageId) record first (`send_claims`, `IF NOT
 *   EXISTS`, holding the message id and time), then writes the envelopes (ids derived from the
 *   message and the device, `envelope-ids.ts`), then completes the record (`sent_messages`). A
 *   send that fails at any step leaves a pending claim; its retry, or a concurrent attempt that
 *   lost the claim, writes the claimed message's envelopes again (the same rows) and completes
 *   it, so a message is stored once per device whatever fails. Only a completed record answers
 *   `duplicate`. The epoch condition is read at SERIAL consistency before the claim: a commit
 *   landing in that instant can let one message of the old epoch through (members keep the
 *   previous epoch's secrets for such stragglers).
 * - `commitGroup` stages its envelopes in `commit_outbox`, then advances the epoch and changes the
 *   membership in one conditional batch that also marks the commit pending; it then delivers and
 *   clears the mark. A pending commit blocks the next one and is delivered by whoever reads the
 *   conversation next, so an epoch that moved is always announced to its members.
 * - Acks (`deleteEnvelopes`) are not compare-and-set: two concurrent acks of one envelope may both
 *   return it (delivery receipts are at least once).
 * - Server order is envelope-id order: an envelope written while a reader pages may land behind
 *   the reader's cursor; it stays in the mailbox and is read from the start or announced live.
 * - The quota reads usage, then stores: not one step. Sends to one device that all read before any
 *   of them wrote each pass, so the quota can be exceeded by one send's envelopes per such send.
 */
export class ScyllaMessagingStore extends KeyspaceStore implements MessagingStore {
  private readonly mailboxes: Mailboxes;
  private readonly sends: Sends;
  private readonly wakeups: WakeupOutbox;
  private readonly conversations: Conversations;
  private readonly outbox: CommitOutbox;
  private readonly speakers: Speakers;
  private readonly quotas: MailboxQuotas;
  private readonly accountData: AccountDataDeletion;

  constructor(
    db: CqlSession,
    keyspace: string,
    private readonly sentRecordRetentionMs: number,
  ) {
    super(db, keyspace);
    this.mailboxes = new Mailboxes(db, keyspace);
    this.sends = new Sends(db, keyspace, sentRecordRetentionMs, this.mailboxes);
    this.wakeups = new WakeupOutbox(db, keyspace);
    this.conversations = new Conversations(db, keyspace, (id, commitId) =>
      this.deliverCommit(id, commitId),
    );
    this.outbox = new CommitOutbox(db, keyspace, this.mailboxes, this.conversations);
    this.speakers = new Speakers(db, keyspace, this.conversations);
    this.quotas = new MailboxQuotas(this.mailboxes);
    this.accountData = new AccountDataDeletion(
      db,
      keyspace,
      this.mailboxes,
      this.conversations,
      this.wakeups,
    );
  }

  /** Connects (in the background, retrying) to the configured cluster and migrates the keyspace. */
  static open<T extends ScyllaMessagingStore>(
    this: new (db: CqlSession, keyspace: string, sentRecordRetentionMs: number) => T,
    options: ScyllaMessagingStoreOptions,
  ): T {
    const { sentRecordRetentionMs, ...cql } = options;
    return openKeyspace(
      cql,
      'messaging',
      migrations,
      (db, ks) => new this(db, ks, sentRecordRetentionMs),
    );
  }

  // --- sends ---

  async findSentMessage(
    senderUserId: string,
    senderDeviceId: number,
    clientMessageId: string,
  ): Promise<SentMessageRecord | null> {
    return this.sends.findSent({ senderUserId, senderDeviceId, clientMessageId });
  }

  async storeMessage(
    sent: SentMessageRecord,
    envelopes: readonly EnvelopeRecord[],
    { condition, speaker }: StoreMessageOptions = {},
  ): Promise<StoreMessageOutcome> {
    const existing = await this.sends.findSent(sent);
    if (existing) return { kind: 'duplicate', sent: existing };
    if (condition) {
      const state = await this.conversations.state(
        condition.conversationId,
        consistency.localSerial,
      );
      if (state.pendingCommit !== null)
        await this.deliverCommit(condition.conversationId, state.pendingCommit);
      if (state.epoch !== condition.epoch)
        return { kind: 'stale-epoch', currentEpoch: state.epoch ?? -1 };
    }

    const outcome = await this.sends.storeSent(sent, envelopes);
    // After the completion, so a duplicate marks nothing; a crash before it only hides presence.
    if (outcome.kind === 'stored' && speaker) await this.speakers.mark(speaker);
    return outcome;
  }

  async storeEnvelopes(envelopes: readonly EnvelopeRecord[]): Promise<void> {
    await this.mailboxes.write(envelopes);
  }

  // --- sealed sends ---

  findSealedSend(keys: readonly string[]): Promise<SealedSendRecord | null> {
    return this.sends.findSealed(keys);
  }

  /**
   * As storeMessage: the first record's claim decides (pending), then the envelopes, then every
   * recipient's record (completed).
   */
  async storeSealedWithinQuota(
    ...[records, envelopes, quota]: Parameters<MessagingStore['storeSealedWithinQuota']>
  ): Promise<SealedStoreOutcome> {
    const existing = await this.sends.findSealed(records.map((record) => record.key));
    if (existing) return { kind: 'duplicate', sent: existing };
    const refusal = await this.quotas.refusal(envelopes, quota);
    if (refusal) return refusal;
    const outcome = await this.sends.storeSealed(records, envelopes);
    if (outcome.kind === 'stored') this.quotas.stored(outcome.envelopes);
    return outcome;
  }

  // --- conversations ---

  ensureDirectConversation(
    userIds: readonly [string, string],
    candidateId: string,
    now: Date,
  ): Promise<ConversationRecord> {
    return this.conversations.ensureDirect(userIds, candidateId, now);
  }

  findConversation(id: string): Promise<ConversationRecord | null> {
    return this.conversations.find(id);
  }

  findConversations(ids: readonly string[]): Promise<ConversationRecord[]> {
    return this.conversations.findMany(ids);
  }

  listConversations(userId: string): Promise<ConversationRecord[]> {
    return this.conversations.listOf(userId);
  }

  speakersSharingConversationWith(
    viewerId: string,
    userIds: readonly string[],
  ): Promise<Set<string>> {
    return this.speakers.sharingConversationWith(viewerId, userIds);
  }

  createGroup(conversation: ConversationRecord): Promise<ConversationRecord> {
    return this.conversations.createGroup(conversation);
  }

  async commitGroup(commit: GroupCommit): Promise<CommitOutcome> {
    const { conversationId, expectedEpoch } = commit;
    const commitId = randomUUID();
    await this.outbox.stage(commitId, commit);
    const now = new Date();
    for (let attempt = 0; attempt < maxAttempts; attempt++) {
      const claim = await this.outbox.advanceEpoch(commitId, commit, now);
      if (claim.applied) {
        await this.speakers.mark({ conversationId, userId: commit.committerUserId });
        await this.deliverCommit(conversationId, commitId);
        return {
          kind: 'committed',
          conversation: (await this.conversations.find(conversationId)) as ConversationRecord,
        };
      }
      const { state } = claim;
      if (state.epoch !== expectedEpoch) {
        await this.outbox.drop(conversationId, commitId);
        return { kind: 'stale-epoch', currentEpoch: state.epoch ?? -1 };
      }
      // The epoch is ours to take, but an earlier commit still awaits delivery: finish it first.
      if (state.pendingCommit !== null)
        await this.deliverCommit(conversationId, state.pendingCommit);
      else await contentionPause(attempt);
    }
    throw new CqlContentionError('committing to an MLS group');
  }

  removeMember(conversationId: string, userId: string): Promise<boolean> {
    return this.conversations.removeMember(conversationId, userId);
  }

  // --- mailboxes ---

  async findEnvelope(
    userId: string,
    deviceId: number,
    id: string,
    now: Date,
  ): Promise<EnvelopeRecord | null> {
    const envelope = await this.mailboxes.find(userId, deviceId, id);
    return envelope && envelope.expiresAt > now ? envelope : null;
  }

  async findEnvelopes(
    userId: string,
    deviceId: number,
    ids: readonly string[],
    now: Date,
  ): Promise<EnvelopeRecord[]> {
    const found = await this.mailboxes.findMany(userId, deviceId, ids);
    return found.filter((envelope) => envelope.expiresAt > now);
  }

  readMailbox(
    ...[userId, deviceId, ...page]: Parameters<MessagingStore['readMailbox']>
  ): Promise<MailboxPage> {
    return this.mailboxes.readPage({ userId, deviceId }, ...page);
  }

  async deleteEnvelopes(
    userId: string,
    deviceId: number,
    ids: readonly string[],
  ): Promise<EnvelopeRecord[]> {
    const found = await this.mailboxes.findMany(userId, deviceId, ids);
    await this.mailboxes.remove(found);
    return found;
  }

  deleteMailbox(userId: string, deviceId: number): Promise<number> {
    return this.mailboxes.removeAll(userId, deviceId);
  }

  deleteUserData(userId: string, deviceIds: readonly number[]): Promise<string[]> {
    return this.accountData.delete(userId, deviceIds);
  }

  /**
   * Counts the expiry index from now to the end of the retention period (see ExpiryIndex); never
   * a scan of the mailbox table. Waits up to a minute for the session to be ready.
   */
  async countPendingEnvelopes(now: Date): Promise<number> {
    await this.db.ready(60_000);
    return this.mailboxes.expiry.countPending(now, this.sentRecordRetentionMs);
  }

  /**
   * Deletes the envelopes that expired unacknowledged, found through the expiry index (a day of
   * hourly buckets); the TTL removes them from the mailboxes anyway, at most a second later.
   * Sent-message records carry their own TTL, so `_sentRecordsBefore` needs no sweep.
   */
  async deleteExpired(now: Date, _sentRecordsBefore: Date): Promise<number> {
    // A background sweep, first run at start: let the session finish connecting before it.
    await this.db.ready(60_000);
    return this.mailboxes.expiry.sweep(now, (userId, deviceId, id) =>
      this.mailboxes.removeOne(userId, deviceId, id),
    );
  }

  // --- the wake-up outbox ---

  keepWakeups(wakeups: readonly Wakeup[]): Promise<void> {
    return this.wakeups.keep(wakeups);
  }

  keptWakeups(limit: number, now: Date): Promise<Wakeup[]> {
    return this.wakeups.kept(limit, new Date(now.getTime() - wakeupOutboxTtlMs));
  }

  dropWakeups(envelopeIds: readonly string[]): Promise<void> {
    return this.wakeups.drop(envelopeIds);
  }

  countKeptWakeups(): Promise<number> {
    return this.wakeups.count();
  }

  // --- mailbox quotas ---

  mailboxUsage(devices: readonly DeviceAddress[]): Promise<MailboxUsage[]> {
    return this.mailboxes.usage(devices);
  }

  async storeMessageWithinQuota(
    ...[sent, envelopes, quota, options]: Parameters<MessagingStore['storeMessageWithinQuota']>
  ): Promise<StoreMessageOutcome | MailboxFullOutcome> {
    const existing = await this.sends.findSent(sent);
    if (existing) return { kind: 'duplicate', sent: existing };
    const refusal = await this.quotas.refusal(envelopes, quota);
    if (refusal) return refusal;
    const outcome = await this.storeMessage(sent, envelopes, options);
    if (outcome.kind === 'stored') this.quotas.stored(outcome.envelopes);
    return outcome;
  }

  /** As storeMessageWithinQuota (read, then commit): the same overshoot bound. */
  async commitGroupWithinQuota(
    commit: GroupCommit,
    quota: MailboxQuota,
    exemptUserIds: readonly string[],
  ): Promise<CommitOutcome | MailboxFullOutcome> {
    const { epoch } = await this.conversations.state(
      commit.conversationId,
      consistency.localQuorum,
    );
    // A stale commit is told so first (commitGroup answers it): usage does not matter.
    if (epoch === commit.expectedEpoch) {
      const refusal = await this.quotas.refusal(commit.envelopes, quota, exemptUserIds);
      if (refusal) return refusal;
    }
    const outcome = await this.commitGroup(commit);
    if (outcome.kind === 'committed') this.quotas.stored(commit.envelopes);
    return outcome;
  }

  /**
   * Delivers a commit that won its epoch (see CommitOutbox.deliver). Every delivery goes through
   * here, so a test can stage a crash before it.
   */
  protected deliverCommit(conversationId: string, commitId: string): Promise<void> {
    return this.outbox.deliver(conversationId, commitId);
  }
}
