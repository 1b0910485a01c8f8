import {
  cells,
  conditional,
  conditionalBatch,
  consistency,
  mapLimited,
  ttlSeconds,
  type BatchStatement,
  type CqlSession,
} from '../../../shared/cql/index.js';
import type { EnvelopeRecord, GroupCommit } from '../store.js';
import { byMemberInsert, type Conversations, type GroupState } from './conversations.js';
import type { Mailboxes } from './mailbox.js';
import { toEnvelope } from './rows.js';
import {
  concurrency,
  envelopeColumnNames,
  envelopeValues,
  outboxColumns,
  placeholders,
} from './schema.js';

const hourMs = 3600_000;
/** Staged rows per page when a commit is delivered. */
const deliveryPageSize = 100;

/** What an epoch compare-and-set found: it won, or the state it lost to. */
export type EpochClaim =
  | { readonly applied: true }
  | { readonly applied: false; readonly state: Pick<GroupState, 'epoch' | 'pendingCommit'> };

/**
 * A group commit's way through the store: `commit_outbox` (its envelopes and membership change,
 * staged before its compare-and-set), the compare-and-set itself on the conversation's partition,
 * and the delivery after it, which anyone may finish (see `ScyllaMessagingStore`).
 */
export class CommitOutbox {
  constructor(
    private readonly db: CqlSession,
    private readonly ks: string,
    private readonly mailboxes: Mailboxes,
    private readonly conversations: Conversations,
  ) {}

  /** Writes a commit's envelopes and membership change where `deliver` will find them. */
  async stage(commitId: string, commit: GroupCommit): Promise<void> {
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
        `INSERT INTO ${this.ks}.commit_outbox (conversation_id, commit_id,
           ${envelopeColumnNames(outboxColumns)})
         VALUES (?, ?, ${placeholders(12)}) USING TTL ?`,
        [
          conversationId,
          commitId,
          ...envelopeValues(envelope),
          ttlSeconds(envelope.expiresAt, now),
        ],
      ),
    );
  }

  async drop(conversationId: string, commitId: string): Promise<void> {
    await this.db.execute(
      `DELETE FROM ${this.ks}.commit_outbox WHERE conversation_id = ? AND commit_id = ?`,
      [conversationId, commitId],
    );
  }

  /**
   * The commit's compare-and-set: advances the epoch from the expected one, marks the commit last
   * and pending, and changes the membership, in one conditional batch of the conversation's
   * partition; it applies only while no earlier commit awaits delivery.
   */
  async advanceEpoch(commitId: string, commit: GroupCommit, now: Date): Promise<EpochClaim> {
    const { conversationId, expectedEpoch } = commit;
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
        (await this.conversations.state(conversationId, consistency.localSerial)).lastCommit ===
        commitId,
    );
    if (outcome.applied) return { applied: true };
    const state = outcome.current
      ? {
          epoch: cells.optionalInt(outcome.current, 'epoch'),
          pendingCommit: cells.optionalText(outcome.current, 'pending_commit'),
        }
      : await this.conversations.state(conversationId, consistency.localSerial);
    return { applied: false, state };
  }

  /**
   * Delivers a commit that won its epoch: its envelopes into the mailboxes and its membership
   * change into `conversations_by_member`, then clears the pending mark (compare-and-set, so a
   * later commit's mark is never cleared) and drops the staged rows. Idempotent: concurrent or
   * repeated deliveries write the same rows.
   */
  async deliver(conversationId: string, commitId: string): Promise<void> {
    const staged: EnvelopeRecord[] = [];
    let added: string[] = [];
    let removed: string[] = [];
    let pageState: string | undefined;
    do {
      const result = await this.db.execute(
        `SELECT * FROM ${this.ks}.commit_outbox WHERE conversation_id = ? AND commit_id = ?`,
        [conversationId, commitId],
        { fetchSize: deliveryPageSize, ...(pageState ? { pageState } : {}) },
      );
      for (const row of result.rows) {
        added = cells.textSet(row, 'added');
        removed = cells.textSet(row, 'removed');
        if (cells.optionalText(row, 'envelope_id') !== null)
          staged.push(toEnvelope(row, outboxColumns));
      }
      pageState = result.pageState ?? undefined;
    } while (pageState);
    await this.mailboxes.write(staged);
    await this.listMembership(conversationId, added, removed);
    await conditional(
      this.db,
      `UPDATE ${this.ks}.conversations SET pending_commit = null WHERE id = ? IF pending_commit = ?`,
      [conversationId, commitId],
      async () => true,
    );
    await this.drop(conversationId, commitId);
  }

  /** The commit's membership change, in `conversations_by_member`. */
  private async listMembership(
    conversationId: string,
    added: readonly string[],
    removed: readonly string[],
  ): Promise<void> {
    const head = await this.db.first(
      `SELECT created_at FROM ${this.ks}.conversations WHERE id = ? LIMIT 1`,
      [conversationId],
    );
    const createdAt = head ? cells.optionalDate(head, 'created_at') : null;
    if (!createdAt) return;
    const membership: BatchStatement[] = [
      ...added.map((userId) => byMemberInsert(this.ks, userId, createdAt, conversationId)),
      ...removed.map((userId) => ({
        query: `DELETE FROM ${this.ks}.conversations_by_member
                WHERE user_id = ? AND created_at = ? AND conversation_id = ?`,
        params: [userId, createdAt, conversationId],
      })),
    ];
    if (membership.length > 0) await this.db.batch(membership, { logged: true });
  }
}
