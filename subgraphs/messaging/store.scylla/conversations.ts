import {
  cells,
  conditional,
  consistency,
  contentionPause,
  CqlContentionError,
  groupedBy,
  inChunks,
  mapLimited,
  type BatchStatement,
  type CqlSession,
  type Row,
} from '../../../shared/cql/index.js';
import { GroupExistsError, type ConversationRecord } from '../store.js';
import { pendingCommitOf, toConversation } from './rows.js';
import { concurrency, keysPerRead, maxAttempts } from './schema.js';

/** The columns a conversation is read from (its partition: a row per member, static the rest). */
const conversationColumns =
  'member_id, added_at, kind, mls_group_id, epoch, created_at, pending_commit';

/** A group's epoch and its commit marks: the last one to win, and the one not yet delivered. */
export interface GroupState {
  readonly epoch: number | null;
  readonly pendingCommit: string | null;
  readonly lastCommit: string | null;
}

/** Delivers a commit that won its epoch (the commit outbox, through the store). */
export type DeliverCommit = (conversationId: string, commitId: string) => Promise<void>;

/** Lists a conversation under a member, in `conversations_by_member`. */
export function byMemberInsert(
  ks: string,
  userId: string,
  createdAt: Date,
  conversationId: string,
): BatchStatement {
  return {
    query: `INSERT INTO ${ks}.conversations_by_member (user_id, created_at, conversation_id)
            VALUES (?, ?, ?)`,
    params: [userId, createdAt, conversationId],
  };
}

/**
 * The conversations: `conversations` (a partition per conversation, a row per member),
 * `conversations_by_member`, and the uniqueness claims `direct_conversations` and `mls_groups`.
 * Reading a conversation whose commit is marked pending delivers that commit first.
 */
export class Conversations {
  constructor(
    private readonly db: CqlSession,
    private readonly ks: string,
    private readonly deliverPending: DeliverCommit,
  ) {}

  async ensureDirect(
    userIds: readonly [string, string],
    candidateId: string,
    now: Date,
  ): Promise<ConversationRecord> {
    const pair = [...userIds].sort().join('|');
    let claimed = await this.directClaim(pair, consistency.localQuorum);
    for (let attempt = 0; claimed === null && attempt < maxAttempts; attempt++) {
      const claim = await conditional(
        this.db,
        `INSERT INTO ${this.ks}.direct_conversations (pair, conversation_id, created_at)
         VALUES (?, ?, ?) IF NOT EXISTS`,
        [pair, candidateId, now],
        async () => (await this.directClaim(pair, consistency.localSerial))?.id === candidateId,
      );
      claimed = claim.applied
        ? { id: candidateId, createdAt: now }
        : await this.directClaim(pair, consistency.localSerial);
      if (!claimed) await contentionPause(attempt);
    }
    if (claimed === null) throw new CqlContentionError('creating a direct conversation');

    const { id, createdAt } = claimed;
    const found = await this.find(id);
    if (found && userIds.every((userId) => found.memberIds.includes(userId))) return found;
    // First use, or a creator that died between its claim and these rows: (re)write them. Every
    // writer writes the same values, so racing writers agree.
    await this.writeNew({
      id,
      kind: 'DIRECT',
      mlsGroupId: null,
      epoch: null,
      createdAt,
      memberIds: [...userIds],
    });
    return (await this.find(id)) as ConversationRecord;
  }

  async find(id: string): Promise<ConversationRecord | null> {
    const rows = (
      await this.db.execute(
        `SELECT ${conversationColumns} FROM ${this.ks}.conversations WHERE id = ?`,
        [id],
      )
    ).rows;
    return this.conversationOf(id, rows);
  }

  /** Partition `IN`, 100 conversations per query, the queries issued together. */
  async findMany(ids: readonly string[]): Promise<ConversationRecord[]> {
    const chunks = await mapLimited(inChunks(ids, keysPerRead), concurrency, async (chunk) => {
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

  /** The user's conversations, as `conversations` (where membership is current) has them. */
  async listOf(userId: string): Promise<ConversationRecord[]> {
    const ids = await this.idsOf(userId);
    const conversations = await mapLimited(ids, concurrency, (id) => this.find(id));
    return conversations.flatMap((conversation) =>
      conversation && conversation.memberIds.includes(userId) ? [conversation] : [],
    );
  }

  /** The ids `conversations_by_member` lists for the user, in creation order. */
  async idsOf(userId: string): Promise<string[]> {
    const rows = (
      await this.db.execute(
        `SELECT conversation_id FROM ${this.ks}.conversations_by_member WHERE user_id = ?`,
        [userId],
      )
    ).rows;
    return rows.map((row) => cells.text(row, 'conversation_id'));
  }

  /** Those of `userIds` that are members of the conversation now. */
  async membersAmong(id: string, userIds: readonly string[]): Promise<Set<string>> {
    const rows = (
      await this.db.execute(
        `SELECT member_id FROM ${this.ks}.conversations WHERE id = ? AND member_id IN ?`,
        [id, userIds],
      )
    ).rows;
    return new Set(rows.map((row) => cells.text(row, 'member_id')));
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
        await this.writeNew({ ...conversation, kind: 'GROUP', epoch: 0 });
        return (await this.find(conversation.id)) as ConversationRecord;
      }
      const owner = claim.current
        ? cells.optionalText(claim.current, 'conversation_id')
        : await this.groupOwner(groupId);
      if (owner !== null && owner !== conversation.id) throw new GroupExistsError();
      await contentionPause(attempt);
    }
    throw new CqlContentionError('registering an MLS group');
  }

  async removeMember(conversationId: string, userId: string): Promise<boolean> {
    const where = 'WHERE id = ? AND member_id = ?';
    const outcome = await conditional(
      this.db,
      `DELETE FROM ${this.ks}.conversations ${where} IF EXISTS`,
      [conversationId, userId],
      // Unknown outcome: the member is gone now, which is what the caller asked for.
      async () =>
        (await this.db.first(
          `SELECT member_id FROM ${this.ks}.conversations ${where}`,
          [conversationId, userId],
          { consistency: consistency.localSerial },
        )) === null,
    );
    if (!outcome.applied) return false;
    const conversation = await this.find(conversationId);
    if (conversation) {
      await this.db.execute(
        `DELETE FROM ${this.ks}.conversations_by_member WHERE user_id = ? AND created_at = ? AND conversation_id = ?`,
        [userId, conversation.createdAt, conversationId],
      );
    }
    return true;
  }

  /** The group's epoch and commit marks (read at SERIAL to see the latest commit). */
  async state(conversationId: string, readConsistency: number): Promise<GroupState> {
    const row = await this.db.first(
      `SELECT epoch, pending_commit, last_commit FROM ${this.ks}.conversations WHERE id = ? LIMIT 1`,
      [conversationId],
      { consistency: readConsistency },
    );
    return {
      epoch: row ? cells.optionalInt(row, 'epoch') : null,
      pendingCommit: row ? cells.optionalText(row, 'pending_commit') : null,
      lastCommit: row ? cells.optionalText(row, 'last_commit') : null,
    };
  }

  // --- internals ---

  private async directClaim(
    pair: string,
    readConsistency: number,
  ): Promise<{ id: string; createdAt: Date } | null> {
    const row = await this.db.first(
      `SELECT conversation_id, created_at FROM ${this.ks}.direct_conversations WHERE pair = ?`,
      [pair],
      { consistency: readConsistency },
    );
    return row
      ? { id: cells.text(row, 'conversation_id'), createdAt: cells.date(row, 'created_at') }
      : null;
  }

  private async groupOwner(groupId: Uint8Array): Promise<string | null> {
    const row = await this.db.first(
      `SELECT conversation_id FROM ${this.ks}.mls_groups WHERE mls_group_id = ?`,
      [groupId],
      { consistency: consistency.localSerial },
    );
    return row ? cells.optionalText(row, 'conversation_id') : null;
  }

  /** The conversation partition, its members' rows and their by-member entries, in one logged batch. */
  private async writeNew(conversation: ConversationRecord): Promise<void> {
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
          byMemberInsert(this.ks, userId, createdAt, id),
        ]),
      ],
      { logged: true },
    );
  }

  /** A conversation from its partition's rows; a commit left pending is delivered first. */
  private async conversationOf(
    id: string,
    rows: readonly Row[],
  ): Promise<ConversationRecord | null> {
    const conversation = toConversation(id, rows);
    if (!conversation) return null;
    const pending = pendingCommitOf(rows);
    if (pending !== null) await this.deliverPending(id, pending);
    return conversation;
  }
}
