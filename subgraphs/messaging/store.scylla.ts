import { createHash, randomUUID } from 'node:crypto';
import {
  cells,
  conditional,
  conditionalBatch,
  consistency,
  contentionPause,
  CqlContentionError,
  groupedBy,
  inChunks,
  mapLimited,
  openKeyspaceSession,
  ttlSeconds,
  type BatchStatement,
  type CqlMigration,
  type CqlSession,
  type Row,
  type CqlStoreOptions,
} from '../../shared/cql/index.js';
import { devicesOverQuota, incomingUsage } from './mailbox-usage.js';
import { UsageEstimates } from './usage-estimates.js';
import {
  envelopeTypes,
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

/** Tombstones of acked envelopes are purged after the longest hint window (3 h), not 10 days. */
const mailboxGcGraceSeconds = 3 * 3600;

/**
 * The messaging keyspace, modelled for its queries:
 *
 * - `mailbox`: one partition per recipient device, clustered by envelope id (UUIDv7 text, which
 *   sorts by creation time), each row written `USING TTL` its expiry. Pages continue after the last
 *   id a reader saw, never by offset.
 * - `mailbox_sizes`: a narrow copy of each mailbox (envelope id and content size, same TTL), written
 *   and deleted with the envelopes, summed for the per-device quota without reading contents.
 * - `mailbox_expiry`: the sweep's index, partitioned by (hour of expiry, shard of the mailbox), so
 *   `deleteExpired` reads a day of buckets instead of every mailbox.
 * - `conversations`: one partition per conversation, a row per member, and static columns for the
 *   conversation itself (kind, MLS group id, epoch, pending commit). A commit's epoch compare-and-set
 *   and its membership change are one conditional batch in that partition.
 * - `conversations_by_member`: a user's conversations in creation order.
 * - `direct_conversations` (by sorted user pair) and `mls_groups` (by group id): uniqueness claims
 *   made with `INSERT ... IF NOT EXISTS`.
 * - `sent_messages`: the idempotency record per (device, clientMessageId), claimed with
 *   `IF NOT EXISTS` and kept for the retention period (TTL).
 * - `commit_outbox`: a commit's envelopes and membership change, staged before its compare-and-set
 *   and delivered after it, so a commit that won its epoch is delivered even if this process dies
 *   in between (the next reader of the conversation finishes the delivery).
 * - `speakers_by_user`: the conversations each user has spoken in (sent a non-sealed message or a
 *   commit), read by user for the presence rule; membership is checked in `conversations`.
 */
const migrations: readonly CqlMigration[] = [
  {
    version: 1,
    description: 'mailboxes, expiry index, conversations, claims, sent records, commit outbox',
    statements: (ks) => [
      `CREATE TABLE IF NOT EXISTS ${ks}.mailbox (
         user_id text, device_id int, id text,
         message_id text, type text, sender_user_id text, sender_device_id int,
         conversation_id text, content blob, server_timestamp timestamp, expires_at timestamp,
         receipt_requested boolean,
         PRIMARY KEY ((user_id, device_id), id))
       WITH CLUSTERING ORDER BY (id ASC) AND gc_grace_seconds = ${mailboxGcGraceSeconds}`,
      `CREATE TABLE IF NOT EXISTS ${ks}.mailbox_expiry (
         bucket bigint, shard int, expires_at timestamp, user_id text, device_id int, id text,
         PRIMARY KEY ((bucket, shard), expires_at, user_id, device_id, id))
       WITH gc_grace_seconds = ${mailboxGcGraceSeconds}`,
      `CREATE TABLE IF NOT EXISTS ${ks}.conversations (
         id text, member_id text, added_at timestamp,
         kind text STATIC, mls_group_id blob STATIC, epoch bigint STATIC, created_at timestamp STATIC,
         last_commit text STATIC, pending_commit text STATIC,
         PRIMARY KEY (id, member_id))`,
      `CREATE TABLE IF NOT EXISTS ${ks}.conversations_by_member (
         user_id text, created_at timestamp, conversation_id text,
         PRIMARY KEY (user_id, created_at, conversation_id))`,
      `CREATE TABLE IF NOT EXISTS ${ks}.direct_conversations (
         pair text PRIMARY KEY, conversation_id text, created_at timestamp)`,
      `CREATE TABLE IF NOT EXISTS ${ks}.mls_groups (mls_group_id blob PRIMARY KEY, conversation_id text)`,
      `CREATE TABLE IF NOT EXISTS ${ks}.sent_messages (
         sender_user_id text, sender_device_id int, client_message_id text,
         message_id text, server_timestamp timestamp, recipients int,
         PRIMARY KEY ((sender_user_id, sender_device_id, client_message_id)))`,
      `CREATE TABLE IF NOT EXISTS ${ks}.commit_outbox (
         conversation_id text, commit_id text, envelope_id text,
         added set<text> STATIC, removed set<text> STATIC,
         message_id text, recipient_user_id text, recipient_device_id int, type text,
         sender_user_id text, sender_device_id int, envelope_conversation_id text, content blob,
         server_timestamp timestamp, expires_at timestamp, receipt_requested boolean,
         PRIMARY KEY ((conversation_id, commit_id), envelope_id))`,
    ],
  },
  {
    version: 2,
    description: 'mailbox sizes, for the per-device quota',
    // Envelopes written before this version have no size row: they count for nothing until
    // they are acked or expire (at most the retention period).
    statements: (ks) => [
      `CREATE TABLE IF NOT EXISTS ${ks}.mailbox_sizes (
         user_id text, device_id int, id text, size bigint,
         PRIMARY KEY ((user_id, device_id), id))
       WITH gc_grace_seconds = ${mailboxGcGraceSeconds}`,
    ],
  },
  {
    version: 3,
    description: 'speakers by user (who has spoken in which conversation)',
    statements: (ks) => [
      `CREATE TABLE IF NOT EXISTS ${ks}.speakers_by_user (
         user_id text, conversation_id text, PRIMARY KEY (user_id, conversation_id))`,
    ],
  },
];

const hourMs = 3600_000;
/** Each expiry hour is spread over this many partitions, so no single one takes every write. */
const expiryShards = 8;
/** The expiry index outlives its envelopes by this much, so a late sweep still finds them. */
const sweepGraceMs = 24 * hourMs;
/** Compare-and-set attempts before giving up with CqlContentionError. */
const maxAttempts = 40;
/** Statements in flight at once for one bulk write or read. */
const concurrency = 16;
/** The columns a conversation is read from (its partition: a row per member, static the rest). */
const conversationColumns =
  'member_id, added_at, kind, mls_group_id, epoch, created_at, pending_commit';

export interface ScyllaMessagingStoreOptions extends CqlStoreOptions {
  /** How long sent-message records are kept for idempotency (GUARDYN_MESSAGING__RETENTION_DAYS). */
  readonly sentRecordRetentionMs: number;
}

/**
 * The distributed MessagingStore on ScyllaDB (or Cassandra). Envelopes of one send go to many
 * mailbox partitions, which no CQL transaction spans; the order of writes makes up for it:
 *
 * - `storeMessage` writes the envelopes first, then claims the (device, clientMessageId) record
 *   with `IF NOT EXISTS`; a loser deletes its envelopes and answers `duplicate`. A crash in between
 *   may deliver a message the sender then sends again (at least once), never lose an acknowledged one.
 *   The epoch condition is read at SERIAL consistency before the envelopes are written: a commit
 *   landing in that instant can let one message of the old epoch through (members keep the previous
 *   epoch's secrets for such stragglers).
 * - `commitGroup` stages its envelopes in `commit_outbox`, then advances the epoch and changes the
 *   membership in one conditional batch that also marks the commit pending; it then delivers and
 *   clears the mark. A pending commit blocks the next one and is delivered by whoever reads the
 *   conversation next, so an epoch that moved is always announced to its members.
 * - Acks (`deleteEnvelopes`) are not compare-and-set: two concurrent acks of one envelope may both
 *   return it (delivery receipts are at least once).
 * - Server order is envelope-id order: an envelope written while a reader pages may land behind
 *   the reader's cursor; it stays in the mailbox and is read from the start or announced live.
 */
export class ScyllaMessagingStore implements MessagingStore {
  private readonly ks: string;
  /** Spares the quota's aggregate read for devices far from full (see usage-estimates.ts). */
  private readonly usageEstimates = new UsageEstimates();

  constructor(
    private readonly db: CqlSession,
    keyspace: string,
    private readonly sentRecordRetentionMs: number,
  ) {
    this.ks = keyspace;
  }

  /** Connects (in the background, retrying) to the configured cluster and migrates the keyspace. */
  static open<T extends ScyllaMessagingStore>(
    this: new (db: CqlSession, keyspace: string, sentRecordRetentionMs: number) => T,
    options: ScyllaMessagingStoreOptions,
  ): T {
    const { keyspace, session } = openKeyspaceSession({
      database: options.database,
      subgraph: 'messaging',
      migrations,
      logger: options.logger,
      ...(options.tuning ? { tuning: options.tuning } : {}),
    });
    return new this(session, keyspace, options.sentRecordRetentionMs);
  }

  /** Resolves once connected and migrated (for tests and tools; the service relies on /health). */
  ready(timeoutMs?: number): Promise<void> {
    return this.db.ready(timeoutMs);
  }

  // --- sends ---

  async findSentMessage(
    senderUserId: string,
    senderDeviceId: number,
    clientMessageId: string,
  ): Promise<SentMessageRecord | null> {
    return this.sentRecord(senderUserId, senderDeviceId, clientMessageId, consistency.localQuorum);
  }

  async storeMessage(
    sent: SentMessageRecord,
    envelopes: readonly EnvelopeRecord[],
    options: StoreMessageOptions = {},
  ): Promise<StoreMessageOutcome> {
    const { condition, speaker } = options;
    const key = [sent.senderUserId, sent.senderDeviceId, sent.clientMessageId] as const;
    const existing = await this.sentRecord(...key, consistency.localQuorum);
    if (existing) return { kind: 'duplicate', sent: existing };
    if (condition) {
      const state = await this.groupState(condition.conversationId, consistency.localSerial);
      if (state.pendingCommit !== null)
        await this.deliverCommit(condition.conversationId, state.pendingCommit);
      if (state.epoch !== condition.epoch)
        return { kind: 'stale-epoch', currentEpoch: state.epoch ?? -1 };
    }

    await this.writeEnvelopes(envelopes);
    for (let attempt = 0; attempt < maxAttempts; attempt++) {
      const claim = await conditional(
        this.db,
        `INSERT INTO ${this.ks}.sent_messages (sender_user_id, sender_device_id, client_message_id,
           message_id, server_timestamp, recipients) VALUES (?, ?, ?, ?, ?, ?) IF NOT EXISTS USING TTL ?`,
        [
          ...key,
          sent.messageId,
          sent.serverTimestamp,
          sent.recipients,
          Math.max(1, Math.ceil(this.sentRecordRetentionMs / 1000)),
        ],
        async () =>
          (await this.sentRecord(...key, consistency.localSerial))?.messageId === sent.messageId,
      );
      if (claim.applied) {
        // After the claim, so a duplicate marks nothing; a crash before it only hides presence.
        if (speaker) await this.markSpeaker(speaker);
        return { kind: 'stored', sent };
      }
      const winner = claim.current
        ? toSent(claim.current)
        : await this.sentRecord(...key, consistency.localSerial);
      if (winner) {
        await this.removeEnvelopes(envelopes);
        return { kind: 'duplicate', sent: winner };
      }
      await contentionPause(attempt);
    }
    throw new CqlContentionError('recording a sent message');
  }

  async storeEnvelopes(envelopes: readonly EnvelopeRecord[]): Promise<void> {
    await this.writeEnvelopes(envelopes);
  }

  // --- conversations ---

  async ensureDirectConversation(
    userIds: readonly [string, string],
    candidateId: string,
    now: Date,
  ): Promise<ConversationRecord> {
    const pair = [...userIds].sort().join('|');
    const claimed = await this.directClaim(pair, consistency.localQuorum);
    let id = claimed?.id;
    let createdAt = claimed?.createdAt;
    for (let attempt = 0; id === undefined && attempt < maxAttempts; attempt++) {
      const claim = await conditional(
        this.db,
        `INSERT INTO ${this.ks}.direct_conversations (pair, conversation_id, created_at)
         VALUES (?, ?, ?) IF NOT EXISTS`,
        [pair, candidateId, now],
        async () => (await this.directClaim(pair, consistency.localSerial))?.id === candidateId,
      );
      const winner = claim.applied
        ? { id: candidateId, createdAt: now }
        : await this.directClaim(pair, consistency.localSerial);
      id = winner?.id;
      createdAt = winner?.createdAt;
      if (!winner) await contentionPause(attempt);
    }
    if (id === undefined || createdAt === undefined)
      throw new CqlContentionError('creating a direct conversation');

    const found = await this.findConversation(id);
    if (found && userIds.every((userId) => found.memberIds.includes(userId))) return found;
    // First use, or a creator that died between its claim and these rows: (re)write them. Every
    // writer writes the same values, so racing writers agree.
    await this.writeNewConversation({
      id,
      kind: 'DIRECT',
      mlsGroupId: null,
      epoch: null,
      createdAt,
      memberIds: [...userIds],
    });
    return (await this.findConversation(id)) as ConversationRecord;
  }

  async findConversation(id: string): Promise<ConversationRecord | null> {
    const rows = (
      await this.db.execute(
        `SELECT ${conversationColumns} FROM ${this.ks}.conversations WHERE id = ?`,
        [id],
      )
    ).rows;
    return this.conversationOf(id, rows);
  }

  /** Partition `IN`, 100 conversations per query, the queries issued together. */
  async findConversations(ids: readonly string[]): Promise<ConversationRecord[]> {
    const chunks = await mapLimited(inChunks(ids, 100), concurrency, async (chunk) => {
      const rows = (
        await this.db.execute(
          `SELECT id, ${conversationColumns} FROM ${this.ks}.conversations WHERE id IN ?`,
          [chunk],
        )
      ).rows;
      const rowsOf = groupedBy(rows, (row) => cells.text(row, 'id'));
      return Promise.all([...rowsOf].map(([id, own]) => this.conversationOf(id, own)));
    });
    return chunks.flat().filter((conversation) => conversation !== null);
  }

  async listConversations(userId: string): Promise<ConversationRecord[]> {
    const ids = await this.conversationIdsOf(userId);
    const conversations = await mapLimited(ids, concurrency, (id) => this.findConversation(id));
    return conversations.flatMap((conversation) =>
      conversation && conversation.memberIds.includes(userId) ? [conversation] : [],
    );
  }

  /**
   * The viewer's conversations (by member), the candidates' speaker rows among them (partition
   * `IN`, 100 users per query), then membership of both in `conversations`, where it is current.
   */
  async speakersSharingConversationWith(
    viewerId: string,
    userIds: readonly string[],
  ): Promise<Set<string>> {
    const candidates = [...new Set(userIds)];
    if (candidates.length === 0) return new Set();
    const viewerConversations = new Set(await this.conversationIdsOf(viewerId));
    if (viewerConversations.size === 0) return new Set();
    const chunks: string[][] = [];
    for (let i = 0; i < candidates.length; i += 100) chunks.push(candidates.slice(i, i + 100));
    const speakersByConversation = new Map<string, string[]>();
    for (const rows of await mapLimited(chunks, concurrency, async (chunk) => {
      const result = await this.db.execute(
        `SELECT user_id, conversation_id FROM ${this.ks}.speakers_by_user WHERE user_id IN ?`,
        [chunk],
      );
      return result.rows;
    })) {
      for (const row of rows) {
        const conversationId = cells.text(row, 'conversation_id');
        if (!viewerConversations.has(conversationId)) continue;
        const speakers = speakersByConversation.get(conversationId) ?? [];
        speakers.push(cells.text(row, 'user_id'));
        speakersByConversation.set(conversationId, speakers);
      }
    }
    const revealed = new Set<string>();
    await mapLimited([...speakersByConversation], concurrency, async ([id, speakers]) => {
      const members = new Set(
        (
          await this.db.execute(
            `SELECT member_id FROM ${this.ks}.conversations WHERE id = ? AND member_id IN ?`,
            [id, [viewerId, ...speakers]],
          )
        ).rows.map((row) => cells.text(row, 'member_id')),
      );
      if (!members.has(viewerId)) return;
      for (const speaker of speakers) if (members.has(speaker)) revealed.add(speaker);
    });
    return revealed;
  }

  async createGroup(conversation: ConversationRecord): Promise<ConversationRecord> {
    const groupId = conversation.mlsGroupId ?? new Uint8Array();
    for (let attempt = 0; attempt < maxAttempts; attempt++) {
      const claim = await conditional(
        this.db,
        `INSERT INTO ${this.ks}.mls_groups (mls_group_id, conversation_id) VALUES (?, ?) IF NOT EXISTS`,
        [groupId, conversation.id],
        async () => (await this.groupOwner(groupId)) === conversation.id,
      );
      if (claim.applied) {
        await this.writeNewConversation({ ...conversation, kind: 'GROUP', epoch: 0 });
        return (await this.findConversation(conversation.id)) as ConversationRecord;
      }
      const owner = claim.current
        ? cells.optionalText(claim.current, 'conversation_id')
        : await this.groupOwner(groupId);
      if (owner !== null && owner !== conversation.id) throw new GroupExistsError();
      await contentionPause(attempt);
    }
    throw new CqlContentionError('registering an MLS group');
  }

  async commitGroup(commit: GroupCommit): Promise<CommitOutcome> {
    const { conversationId, expectedEpoch } = commit;
    const commitId = randomUUID();
    await this.stageCommit(commitId, commit);
    const now = new Date();
    for (let attempt = 0; attempt < maxAttempts; attempt++) {
      const outcome = await conditionalBatch(
        this.db,
        [
          {
            query: `UPDATE ${this.ks}.conversations SET epoch = ?, last_commit = ?, pending_commit = ?
                    WHERE id = ? IF epoch = ? AND pending_commit = null`,
            params: [
              BigInt(expectedEpoch + 1),
              commitId,
              commitId,
              conversationId,
              BigInt(expectedEpoch),
            ],
          },
          ...commit.addedUserIds.map((userId) => ({
            query: `INSERT INTO ${this.ks}.conversations (id, member_id, added_at) VALUES (?, ?, ?)`,
            params: [conversationId, userId, now],
          })),
          ...commit.removedUserIds.map((userId) => ({
            query: `DELETE FROM ${this.ks}.conversations WHERE id = ? AND member_id = ?`,
            params: [conversationId, userId],
          })),
        ],
        async () =>
          (await this.groupState(conversationId, consistency.localSerial)).lastCommit === commitId,
      );
      if (outcome.applied) {
        await this.markSpeaker({ conversationId, userId: commit.committerUserId });
        await this.deliverCommit(conversationId, commitId);
        return {
          kind: 'committed',
          conversation: (await this.findConversation(conversationId)) as ConversationRecord,
        };
      }
      const state = outcome.current
        ? {
            epoch: cells.optionalInt(outcome.current, 'epoch'),
            pendingCommit: cells.optionalText(outcome.current, 'pending_commit'),
          }
        : await this.groupState(conversationId, consistency.localSerial);
      if (state.epoch !== expectedEpoch) {
        await this.dropStagedCommit(conversationId, commitId);
        return { kind: 'stale-epoch', currentEpoch: state.epoch ?? -1 };
      }
      // The epoch is ours to take, but an earlier commit still awaits delivery: finish it first.
      if (state.pendingCommit !== null)
        await this.deliverCommit(conversationId, state.pendingCommit);
      else await contentionPause(attempt);
    }
    throw new CqlContentionError('committing to an MLS group');
  }

  async removeMember(conversationId: string, userId: string): Promise<boolean> {
    const where = 'WHERE id = ? AND member_id = ?';
    const outcome = await conditional(
      this.db,
      `DELETE FROM ${this.ks}.conversations ${where} IF EXISTS`,
      [conversationId, userId],
      // Unknown outcome: the member is gone now, which is what the caller asked for.
      async () =>
        (
          await this.db.execute(
            `SELECT member_id FROM ${this.ks}.conversations ${where}`,
            [conversationId, userId],
            { consistency: consistency.localSerial },
          )
        ).first() === undefined,
    );
    if (!outcome.applied) return false;
    const conversation = await this.findConversation(conversationId);
    if (conversation) {
      await this.db.execute(
        `DELETE FROM ${this.ks}.conversations_by_member WHERE user_id = ? AND created_at = ? AND conversation_id = ?`,
        [userId, conversation.createdAt, conversationId],
      );
    }
    return true;
  }

  // --- mailboxes ---

  async findEnvelope(
    userId: string,
    deviceId: number,
    id: string,
    now: Date,
  ): Promise<EnvelopeRecord | null> {
    const row = (
      await this.db.execute(
        `SELECT * FROM ${this.ks}.mailbox WHERE user_id = ? AND device_id = ? AND id = ?`,
        [userId, deviceId, id],
      )
    ).first();
    const envelope = row ? toEnvelope(row) : null;
    return envelope && envelope.expiresAt > now ? envelope : null;
  }

  /** One mailbox partition, `IN` on the clustering id, 100 ids per query. */
  async findEnvelopes(
    userId: string,
    deviceId: number,
    ids: readonly string[],
    now: Date,
  ): Promise<EnvelopeRecord[]> {
    const chunks = await mapLimited(inChunks(ids, 100), concurrency, async (chunk) =>
      (
        await this.db.execute(
          `SELECT * FROM ${this.ks}.mailbox WHERE user_id = ? AND device_id = ? AND id IN ?`,
          [userId, deviceId, chunk],
        )
      ).rows.flatMap((row) => {
        const envelope = toEnvelope(row);
        return envelope.expiresAt > now ? [envelope] : [];
      }),
    );
    return chunks.flat();
  }

  async readMailbox(
    userId: string,
    deviceId: number,
    after: string | null,
    limit: number,
    now: Date,
  ): Promise<MailboxPage> {
    const live: EnvelopeRecord[] = [];
    let from = after === null ? '' : decodeCursor(after);
    // One more than asked tells whether more follow; expired rows (TTL not yet due) are skipped,
    // so read on until enough live ones are found or the partition ends.
    for (;;) {
      const want = limit + 1 - live.length;
      const rows = (
        await this.db.execute(
          `SELECT * FROM ${this.ks}.mailbox WHERE user_id = ? AND device_id = ? AND id > ? LIMIT ?`,
          [userId, deviceId, from, want],
        )
      ).rows;
      for (const row of rows) {
        const envelope = toEnvelope(row);
        from = envelope.id;
        if (envelope.expiresAt > now) live.push(envelope);
      }
      if (rows.length < want || live.length > limit) break;
    }
    const page = live.slice(0, limit);
    const last = page[page.length - 1];
    return {
      envelopes: page,
      cursor: last ? encodeCursor(last.id) : after,
      hasMore: live.length > limit,
    };
  }

  async deleteEnvelopes(
    userId: string,
    deviceId: number,
    ids: readonly string[],
  ): Promise<EnvelopeRecord[]> {
    const chunks: string[][] = [];
    const unique = [...new Set(ids)];
    for (let i = 0; i < unique.length; i += 100) chunks.push(unique.slice(i, i + 100));
    const found = (
      await mapLimited(chunks, concurrency, async (chunk) =>
        (
          await this.db.execute(
            `SELECT * FROM ${this.ks}.mailbox WHERE user_id = ? AND device_id = ? AND id IN ?`,
            [userId, deviceId, chunk],
          )
        ).rows.map((row) => toEnvelope(row)),
      )
    ).flat();
    await this.removeEnvelopes(found);
    return found;
  }

  async deleteMailbox(userId: string, deviceId: number): Promise<number> {
    const envelopes: { id: string; expiresAt: Date }[] = [];
    let from = '';
    for (;;) {
      const rows = (
        await this.db.execute(
          `SELECT id, expires_at FROM ${this.ks}.mailbox WHERE user_id = ? AND device_id = ? AND id > ? LIMIT 500`,
          [userId, deviceId, from],
        )
      ).rows;
      for (const row of rows) {
        from = cells.text(row, 'id');
        envelopes.push({ id: from, expiresAt: cells.date(row, 'expires_at') });
      }
      if (rows.length < 500) break;
    }
    await this.db.execute(`DELETE FROM ${this.ks}.mailbox WHERE user_id = ? AND device_id = ?`, [
      userId,
      deviceId,
    ]);
    await this.db.execute(
      `DELETE FROM ${this.ks}.mailbox_sizes WHERE user_id = ? AND device_id = ?`,
      [userId, deviceId],
    );
    await mapLimited(envelopes, concurrency, (envelope) =>
      this.db.execute(
        ...this.expiryDelete({ ...envelope, recipientUserId: userId, recipientDeviceId: deviceId }),
      ),
    );
    return envelopes.length;
  }

  /**
   * Deletes the envelopes that expired unacknowledged, found through the expiry index (a day of
   * hourly buckets); the TTL removes them from the mailboxes anyway, at most a second later.
   * Sent-message records carry their own TTL, so `_sentRecordsBefore` needs no sweep. Waits up to
   * a minute for the session to be ready.
   */
  /**
   * Counts the expiry index from now to the end of the retention period: one single-partition
   * COUNT per (hour, shard), e.g. 30 days × 8 shards = 5,760 small reads, a few at a time. Never a
   * scan of the mailbox table; acked envelopes leave the index with their envelope.
   */
  async countPendingEnvelopes(now: Date): Promise<number> {
    await this.db.ready(60_000);
    const first = Math.floor(now.getTime() / hourMs);
    const last = Math.floor((now.getTime() + this.sentRecordRetentionMs) / hourMs) + 1;
    const partitions: { bucket: number; shard: number }[] = [];
    for (let bucket = first; bucket <= last; bucket++)
      for (let shard = 0; shard < expiryShards; shard++) partitions.push({ bucket, shard });
    const counts = await mapLimited(partitions, 4, async ({ bucket, shard }) => {
      const row = (
        await this.db.execute(
          `SELECT COUNT(*) AS pending FROM ${this.ks}.mailbox_expiry
           WHERE bucket = ? AND shard = ? AND expires_at > ?`,
          [BigInt(bucket), shard, now],
        )
      ).first();
      return row ? (cells.optionalInt(row, 'pending') ?? 0) : 0;
    });
    return counts.reduce((sum, count) => sum + count, 0);
  }

  async deleteExpired(now: Date, _sentRecordsBefore: Date): Promise<number> {
    // A background sweep, first run at start: let the session finish connecting before it.
    await this.db.ready(60_000);
    const last = Math.floor(now.getTime() / hourMs);
    const first = Math.floor((now.getTime() - sweepGraceMs) / hourMs);
    const partitions: { bucket: number; shard: number }[] = [];
    for (let bucket = first; bucket <= last; bucket++)
      for (let shard = 0; shard < expiryShards; shard++) partitions.push({ bucket, shard });
    const counts = await mapLimited(partitions, concurrency, async ({ bucket, shard }) => {
      const rows = (
        await this.db.execute(
          `SELECT expires_at, user_id, device_id, id FROM ${this.ks}.mailbox_expiry
           WHERE bucket = ? AND shard = ? AND expires_at <= ?`,
          [BigInt(bucket), shard, now],
        )
      ).rows;
      await mapLimited(rows, concurrency, async (row) => {
        const [userId, deviceId, id] = [
          cells.text(row, 'user_id'),
          cells.int(row, 'device_id'),
          cells.text(row, 'id'),
        ];
        await this.db.execute(
          `DELETE FROM ${this.ks}.mailbox WHERE user_id = ? AND device_id = ? AND id = ?`,
          [userId, deviceId, id],
        );
        await this.db.execute(
          `DELETE FROM ${this.ks}.mailbox_sizes WHERE user_id = ? AND device_id = ? AND id = ?`,
          [userId, deviceId, id],
        );
        await this.db.execute(
          `DELETE FROM ${this.ks}.mailbox_expiry WHERE bucket = ? AND shard = ? AND expires_at = ?
           AND user_id = ? AND device_id = ? AND id = ?`,
          [BigInt(bucket), shard, cells.date(row, 'expires_at'), userId, deviceId, id],
        );
      });
      return rows.length;
    });
    return counts.reduce((sum, count) => sum + count, 0);
  }

  async ping(): Promise<void> {
    await this.db.ping();
  }

  async close(): Promise<void> {
    await this.db.close();
  }

  // --- mailbox quotas ---

  /**
   * Sums each device's `mailbox_sizes` partition: a narrow copy of the mailbox (id and size,
   * written and deleted with each envelope, same TTL), so the sum is exact after acks and expiry
   * without reading contents. It costs one read per device, growing with its pending envelopes.
   */
  async mailboxUsage(devices: readonly DeviceAddress[]): Promise<MailboxUsage[]> {
    return mapLimited(devices, concurrency, async ({ userId, deviceId }) => {
      const row = (
        await this.db.execute(
          `SELECT COUNT(*) AS envelopes, SUM(size) AS bytes FROM ${this.ks}.mailbox_sizes
           WHERE user_id = ? AND device_id = ?`,
          [userId, deviceId],
        )
      ).first();
      return {
        userId,
        deviceId,
        envelopes: row ? (cells.optionalInt(row, 'envelopes') ?? 0) : 0,
        bytes: row ? (cells.optionalInt(row, 'bytes') ?? 0) : 0,
      };
    });
  }

  /**
   * Reads the usage, then stores: not one step. Sends to one device that all read before any of
   * them wrote each pass, so the quota can be exceeded by one send's envelopes per such send.
   */
  async storeMessageWithinQuota(
    sent: SentMessageRecord,
    envelopes: readonly EnvelopeRecord[],
    quota: MailboxQuota,
    options?: StoreMessageOptions,
  ): Promise<StoreMessageOutcome | MailboxFullOutcome> {
    const key = [sent.senderUserId, sent.senderDeviceId, sent.clientMessageId] as const;
    const existing = await this.sentRecord(...key, consistency.localQuorum);
    if (existing) return { kind: 'duplicate', sent: existing };
    const incoming = incomingUsage(envelopes);
    const usage = await this.usageEstimates.usage(incoming, quota, (devices) =>
      this.mailboxUsage(devices),
    );
    const full = devicesOverQuota(usage, envelopes, quota);
    if (full.length > 0) return { kind: 'mailbox-full', full };
    const outcome = await this.storeMessage(sent, envelopes, options);
    if (outcome.kind === 'stored') this.usageEstimates.added(incoming);
    return outcome;
  }

  /** As storeMessageWithinQuota (read, then commit): the same overshoot bound. */
  async commitGroupWithinQuota(
    commit: GroupCommit,
    quota: MailboxQuota,
    exemptUserIds: readonly string[],
  ): Promise<CommitOutcome | MailboxFullOutcome> {
    const { epoch } = await this.groupState(commit.conversationId, consistency.localQuorum);
    // A stale commit is told so first (commitGroup answers it): usage does not matter.
    if (epoch === commit.expectedEpoch) {
      const usage = await this.usageEstimates.usage(
        incomingUsage(commit.envelopes),
        quota,
        (devices) => this.mailboxUsage(devices),
      );
      const full = devicesOverQuota(usage, commit.envelopes, quota, exemptUserIds);
      if (full.length > 0) return { kind: 'mailbox-full', full };
    }
    const outcome = await this.commitGroup(commit);
    if (outcome.kind === 'committed') this.usageEstimates.added(incomingUsage(commit.envelopes));
    return outcome;
  }

  // --- internals: envelopes ---

  /** Each envelope into its mailbox (TTL = its expiry) and into the expiry index. */
  private async writeEnvelopes(envelopes: readonly EnvelopeRecord[]): Promise<void> {
    const now = new Date();
    await mapLimited(envelopes, concurrency, async (envelope) => {
      const ttl = ttlSeconds(envelope.expiresAt, now);
      const { bucket, shard } = expiryKey(envelope);
      // Two partitions, written at once; the mailbox row alone makes the envelope readable.
      const mailboxRow = this.db.execute(
        `INSERT INTO ${this.ks}.mailbox (user_id, device_id, id, message_id, type, sender_user_id,
           sender_device_id, conversation_id, content, server_timestamp, expires_at, receipt_requested)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) USING TTL ?`,
        [
          envelope.recipientUserId,
          envelope.recipientDeviceId,
          envelope.id,
          envelope.messageId,
          envelope.type,
          envelope.senderUserId,
          envelope.senderDeviceId,
          envelope.conversationId,
          envelope.content,
          envelope.serverTimestamp,
          envelope.expiresAt,
          envelope.receiptRequested,
          ttl,
        ],
      );
      const expiryRow = this.db.execute(
        `INSERT INTO ${this.ks}.mailbox_expiry (bucket, shard, expires_at, user_id, device_id, id)
         VALUES (?, ?, ?, ?, ?, ?) USING TTL ?`,
        [
          BigInt(bucket),
          shard,
          envelope.expiresAt,
          envelope.recipientUserId,
          envelope.recipientDeviceId,
          envelope.id,
          ttl + sweepGraceMs / 1000,
        ],
      );
      const sizeRow = this.db.execute(
        `INSERT INTO ${this.ks}.mailbox_sizes (user_id, device_id, id, size) VALUES (?, ?, ?, ?)
         USING TTL ?`,
        [
          envelope.recipientUserId,
          envelope.recipientDeviceId,
          envelope.id,
          BigInt(envelope.content.length),
          ttl,
        ],
      );
      await Promise.all([mailboxRow, expiryRow, sizeRow]);
    });
  }

  /** Deletes envelopes from their mailboxes (one batch per mailbox) and from the expiry index. */
  private async removeEnvelopes(envelopes: readonly EnvelopeRecord[]): Promise<void> {
    const byMailbox = new Map<string, EnvelopeRecord[]>();
    for (const envelope of envelopes) {
      const key = `${envelope.recipientUserId}\u0000${envelope.recipientDeviceId}`;
      byMailbox.set(key, [...(byMailbox.get(key) ?? []), envelope]);
    }
    await mapLimited([...byMailbox.values()], concurrency, async (mailbox) => {
      for (let i = 0; i < mailbox.length; i += 100) {
        // One partition: the deletes apply together.
        await this.db.batch(
          mailbox.slice(i, i + 100).map((envelope) => ({
            query: `DELETE FROM ${this.ks}.mailbox WHERE user_id = ? AND device_id = ? AND id = ?`,
            params: [envelope.recipientUserId, envelope.recipientDeviceId, envelope.id],
          })),
          { logged: false },
        );
        await this.db.batch(
          mailbox.slice(i, i + 100).map((envelope) => ({
            query: `DELETE FROM ${this.ks}.mailbox_sizes WHERE user_id = ? AND device_id = ? AND id = ?`,
            params: [envelope.recipientUserId, envelope.recipientDeviceId, envelope.id],
          })),
          { logged: false },
        );
      }
    });
    await mapLimited(envelopes, concurrency, (envelope) =>
      this.db.execute(...this.expiryDelete(envelope)),
    );
  }

  private expiryDelete(
    envelope: Pick<EnvelopeRecord, 'id' | 'recipientUserId' | 'recipientDeviceId' | 'expiresAt'>,
  ): [string, unknown[]] {
    const { bucket, shard } = expiryKey(envelope);
    return [
      `DELETE FROM ${this.ks}.mailbox_expiry WHERE bucket = ? AND shard = ? AND expires_at = ?
       AND user_id = ? AND device_id = ? AND id = ?`,
      [
        BigInt(bucket),
        shard,
        envelope.expiresAt,
        envelope.recipientUserId,
        envelope.recipientDeviceId,
        envelope.id,
      ],
    ];
  }

  private async sentRecord(
    senderUserId: string,
    senderDeviceId: number,
    clientMessageId: string,
    readConsistency: number,
  ): Promise<SentMessageRecord | null> {
    const row = (
      await this.db.execute(
        `SELECT * FROM ${this.ks}.sent_messages
         WHERE sender_user_id = ? AND sender_device_id = ? AND client_message_id = ?`,
        [senderUserId, senderDeviceId, clientMessageId],
        { consistency: readConsistency },
      )
    ).first();
    return row ? toSent(row) : null;
  }

  // --- internals: conversations ---

  private async directClaim(
    pair: string,
    readConsistency: number,
  ): Promise<{ id: string; createdAt: Date } | null> {
    const row = (
      await this.db.execute(
        `SELECT conversation_id, created_at FROM ${this.ks}.direct_conversations WHERE pair = ?`,
        [pair],
        { consistency: readConsistency },
      )
    ).first();
    return row
      ? { id: cells.text(row, 'conversation_id'), createdAt: cells.date(row, 'created_at') }
      : null;
  }

  private async groupOwner(groupId: Uint8Array): Promise<string | null> {
    const row = (
      await this.db.execute(
        `SELECT conversation_id FROM ${this.ks}.mls_groups WHERE mls_group_id = ?`,
        [groupId],
        { consistency: consistency.localSerial },
      )
    ).first();
    return row ? cells.optionalText(row, 'conversation_id') : null;
  }

  /** The conversation partition, its members' rows and their by-member entries, in one logged batch. */
  private async writeNewConversation(conversation: ConversationRecord): Promise<void> {
    const { id, createdAt } = conversation;
    await this.db.batch(
      [
        {
          query: `UPDATE ${this.ks}.conversations SET kind = ?, mls_group_id = ?, epoch = ?, created_at = ?
                  WHERE id = ?`,
          params: [
            conversation.kind,
            conversation.mlsGroupId,
            conversation.epoch === null ? null : BigInt(conversation.epoch),
            createdAt,
            id,
          ],
        },
        ...conversation.memberIds.flatMap((userId, index) => [
          {
            query: `INSERT INTO ${this.ks}.conversations (id, member_id, added_at) VALUES (?, ?, ?)`,
            // Members keep the order they were given in (the creator first).
            params: [id, userId, new Date(createdAt.getTime() + index)],
          },
          {
            query: `INSERT INTO ${this.ks}.conversations_by_member (user_id, created_at, conversation_id)
                    VALUES (?, ?, ?)`,
            params: [userId, createdAt, id],
          },
        ]),
      ],
      { logged: true },
    );
  }

  private async markSpeaker(speaker: Speaker): Promise<void> {
    await this.db.execute(
      `INSERT INTO ${this.ks}.speakers_by_user (user_id, conversation_id) VALUES (?, ?)`,
      [speaker.userId, speaker.conversationId],
    );
  }

  /**
   * A conversation from the rows of its partition (null when it has no kind: absent or half
   * written); a commit left pending is delivered first, as by any reader of the conversation.
   */
  private async conversationOf(
    id: string,
    rows: readonly Row[],
  ): Promise<ConversationRecord | null> {
    const head = rows[0];
    const kind = head ? cells.optionalText(head, 'kind') : null;
    if (!head || (kind !== 'DIRECT' && kind !== 'GROUP')) return null;
    const pending = cells.optionalText(head, 'pending_commit');
    if (pending !== null) await this.deliverCommit(id, pending);
    const members = rows
      .flatMap((row) => {
        const memberId = cells.optionalText(row, 'member_id');
        const addedAt = cells.optionalDate(row, 'added_at')?.getTime() ?? 0;
        return memberId === null ? [] : [{ memberId, addedAt }];
      })
      .sort((a, b) => a.addedAt - b.addedAt || (a.memberId < b.memberId ? -1 : 1));
    return {
      id,
      kind: kind satisfies ConversationKind,
      mlsGroupId: cells.optionalBytes(head, 'mls_group_id'),
      epoch: cells.optionalInt(head, 'epoch'),
      createdAt: cells.date(head, 'created_at'),
      memberIds: members.map((member) => member.memberId),
    };
  }

  private async conversationIdsOf(userId: string): Promise<string[]> {
    const rows = (
      await this.db.execute(
        `SELECT conversation_id FROM ${this.ks}.conversations_by_member WHERE user_id = ?`,
        [userId],
      )
    ).rows;
    return rows.map((row) => cells.text(row, 'conversation_id'));
  }

  private async groupState(
    conversationId: string,
    readConsistency: number,
  ): Promise<{ epoch: number | null; pendingCommit: string | null; lastCommit: string | null }> {
    const row = (
      await this.db.execute(
        `SELECT epoch, pending_commit, last_commit FROM ${this.ks}.conversations WHERE id = ? LIMIT 1`,
        [conversationId],
        { consistency: readConsistency },
      )
    ).first();
    return {
      epoch: row ? cells.optionalInt(row, 'epoch') : null,
      pendingCommit: row ? cells.optionalText(row, 'pending_commit') : null,
      lastCommit: row ? cells.optionalText(row, 'last_commit') : null,
    };
  }

  /** Writes a commit's envelopes and membership change where `deliverCommit` will find them. */
  private async stageCommit(commitId: string, commit: GroupCommit): Promise<void> {
    const { conversationId } = commit;
    const now = new Date();
    const latest = commit.envelopes.reduce(
      (max, envelope) => (envelope.expiresAt > max ? envelope.expiresAt : max),
      new Date(now.getTime() + hourMs),
    );
    await this.db.execute(
      `UPDATE ${this.ks}.commit_outbox USING TTL ? SET added = ?, removed = ?
       WHERE conversation_id = ? AND commit_id = ?`,
      [
        ttlSeconds(latest, now),
        [...commit.addedUserIds],
        [...commit.removedUserIds],
        conversationId,
        commitId,
      ],
    );
    await mapLimited(commit.envelopes, concurrency, (envelope) =>
      this.db.execute(
        `INSERT INTO ${this.ks}.commit_outbox (conversation_id, commit_id, envelope_id, message_id,
           recipient_user_id, recipient_device_id, type, sender_user_id, sender_device_id,
           envelope_conversation_id, content, server_timestamp, expires_at, receipt_requested)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) USING TTL ?`,
        [
          conversationId,
          commitId,
          envelope.id,
          envelope.messageId,
          envelope.recipientUserId,
          envelope.recipientDeviceId,
          envelope.type,
          envelope.senderUserId,
          envelope.senderDeviceId,
          envelope.conversationId,
          envelope.content,
          envelope.serverTimestamp,
          envelope.expiresAt,
          envelope.receiptRequested,
          ttlSeconds(envelope.expiresAt, now),
        ],
      ),
    );
  }

  private async dropStagedCommit(conversationId: string, commitId: string): Promise<void> {
    await this.db.execute(
      `DELETE FROM ${this.ks}.commit_outbox WHERE conversation_id = ? AND commit_id = ?`,
      [conversationId, commitId],
    );
  }

  /**
   * Delivers a commit that won its epoch: its envelopes into the mailboxes and its membership
   * change into `conversations_by_member`, then clears the pending mark (compare-and-set, so a
   * later commit's mark is never cleared) and drops the staged rows. Idempotent: concurrent or
   * repeated deliveries write the same rows. (Protected so a test can stage a crash before it.)
   */
  protected async deliverCommit(conversationId: string, commitId: string): Promise<void> {
    const staged: EnvelopeRecord[] = [];
    let added: string[] = [];
    let removed: string[] = [];
    let pageState: string | undefined;
    do {
      const result = await this.db.execute(
        `SELECT * FROM ${this.ks}.commit_outbox WHERE conversation_id = ? AND commit_id = ?`,
        [conversationId, commitId],
        { fetchSize: 100, ...(pageState ? { pageState } : {}) },
      );
      for (const row of result.rows) {
        added = cells.textSet(row, 'added');
        removed = cells.textSet(row, 'removed');
        if (cells.optionalText(row, 'envelope_id') !== null)
          staged.push(toEnvelope(row, outboxColumns));
      }
      pageState = result.pageState ?? undefined;
    } while (pageState);
    await this.writeEnvelopes(staged);

    const head = (
      await this.db.execute(
        `SELECT created_at FROM ${this.ks}.conversations WHERE id = ? LIMIT 1`,
        [conversationId],
      )
    ).first();
    const createdAt = head ? cells.optionalDate(head, 'created_at') : null;
    if (createdAt) {
      const membership: BatchStatement[] = [
        ...added.map((userId) => ({
          query: `INSERT INTO ${this.ks}.conversations_by_member (user_id, created_at, conversation_id)
                  VALUES (?, ?, ?)`,
          params: [userId, createdAt, conversationId],
        })),
        ...removed.map((userId) => ({
          query: `DELETE FROM ${this.ks}.conversations_by_member
                  WHERE user_id = ? AND created_at = ? AND conversation_id = ?`,
          params: [userId, createdAt, conversationId],
        })),
      ];
      if (membership.length > 0) await this.db.batch(membership, { logged: true });
    }

    await conditional(
      this.db,
      `UPDATE ${this.ks}.conversations SET pending_commit = null WHERE id = ? IF pending_commit = ?`,
      [conversationId, commitId],
      async () => true,
    );
    await this.dropStagedCommit(conversationId, commitId);
  }
}

/** Where an envelope sits in the expiry index: the hour it expires in, the shard of its mailbox. */
function expiryKey(
  envelope: Pick<EnvelopeRecord, 'recipientUserId' | 'recipientDeviceId' | 'expiresAt'>,
): { bucket: number; shard: number } {
  const digest = createHash('sha256')
    .update(`${envelope.recipientUserId}\u0000${envelope.recipientDeviceId}`)
    .digest();
  return {
    bucket: Math.floor(envelope.expiresAt.getTime() / hourMs),
    shard: digest.readUInt32BE(0) % expiryShards,
  };
}

const encodeCursor = (id: string) => Buffer.from(id).toString('base64url');
/** The id after which to continue; an unreadable cursor starts from the beginning (as SQLite's). */
function decodeCursor(cursor: string): string {
  const id = Buffer.from(cursor, 'base64url').toString();
  return /^[0-9a-f-]{1,64}$/.test(id) ? id : '';
}

function envelopeType(value: string): EnvelopeType {
  if (!(envelopeTypes as readonly string[]).includes(value))
    throw new Error(`unknown envelope type "${value}" in the mailbox`);
  return value as EnvelopeType;
}

/** Where an envelope's columns differ between `mailbox` and `commit_outbox` (staged envelopes). */
interface EnvelopeColumns {
  readonly id: string;
  readonly recipientUserId: string;
  readonly recipientDeviceId: string;
  readonly conversationId: string;
}

const mailboxColumns: EnvelopeColumns = {
  id: 'id',
  recipientUserId: 'user_id',
  recipientDeviceId: 'device_id',
  conversationId: 'conversation_id',
};

const outboxColumns: EnvelopeColumns = {
  id: 'envelope_id',
  recipientUserId: 'recipient_user_id',
  recipientDeviceId: 'recipient_device_id',
  conversationId: 'envelope_conversation_id',
};

function toEnvelope(row: Row, columns: EnvelopeColumns = mailboxColumns): EnvelopeRecord {
  return {
    id: cells.text(row, columns.id),
    messageId: cells.text(row, 'message_id'),
    recipientUserId: cells.text(row, columns.recipientUserId),
    recipientDeviceId: cells.int(row, columns.recipientDeviceId),
    type: envelopeType(cells.text(row, 'type')),
    senderUserId: cells.optionalText(row, 'sender_user_id'),
    senderDeviceId: cells.optionalInt(row, 'sender_device_id'),
    conversationId: cells.optionalText(row, columns.conversationId),
    content: cells.bytes(row, 'content'),
    serverTimestamp: cells.date(row, 'server_timestamp'),
    expiresAt: cells.date(row, 'expires_at'),
    receiptRequested: cells.bool(row, 'receipt_requested'),
  };
}

function toSent(row: Row): SentMessageRecord {
  return {
    senderUserId: cells.text(row, 'sender_user_id'),
    senderDeviceId: cells.int(row, 'sender_device_id'),
    clientMessageId: cells.text(row, 'client_message_id'),
    messageId: cells.text(row, 'message_id'),
    serverTimestamp: cells.date(row, 'server_timestamp'),
    recipients: cells.int(row, 'recipients'),
  };
}
