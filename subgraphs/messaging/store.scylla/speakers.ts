import { cells, inChunks, mapLimited, type CqlSession } from '../../../shared/cql/index.js';
import type { Speaker } from '../store.js';
import type { Conversations } from './conversations.js';
import { concurrency, keysPerRead } from './schema.js';

/**
 * `speakers_by_user`: the conversations each user has spoken in, for the presence rule (a viewer
 * sees the presence of those who spoke in a conversation they share); membership is checked in
 * `conversations`, where it is current.
 */
export class Speakers {
  constructor(
    private readonly db: CqlSession,
    private readonly ks: string,
    private readonly conversations: Conversations,
  ) {}

  async mark(speaker: Speaker): Promise<void> {
    await this.db.execute(
      `INSERT INTO ${this.ks}.speakers_by_user (user_id, conversation_id) VALUES (?, ?)`,
      [speaker.userId, speaker.conversationId],
    );
  }

  /**
   * The viewer's conversations (by member), the candidates' speaker rows among them (partition
   * `IN`, 100 users per query), then membership of both in `conversations`, where it is current.
   */
  async sharingConversationWith(
    viewerId: string,
    userIds: readonly string[],
  ): Promise<Set<string>> {
    const candidates = [...new Set(userIds)];
    if (candidates.length === 0) return new Set();
    const viewerConversations = new Set(await this.conversations.idsOf(viewerId));
    if (viewerConversations.size === 0) return new Set();
    const speakersByConversation = new Map<string, string[]>();
    const pages = await mapLimited(
      inChunks(candidates, keysPerRead),
      concurrency,
      async (chunk) =>
        (
          await this.db.execute(
            `SELECT user_id, conversation_id FROM ${this.ks}.speakers_by_user WHERE user_id IN ?`,
            [chunk],
          )
        ).rows,
    );
    for (const row of pages.flat()) {
      const conversationId = cells.text(row, 'conversation_id');
      if (!viewerConversations.has(conversationId)) continue;
      const speakers = speakersByConversation.get(conversationId) ?? [];
      speakers.push(cells.text(row, 'user_id'));
      speakersByConversation.set(conversationId, speakers);
    }
    const revealed = new Set<string>();
    await mapLimited([...speakersByConversation], concurrency, async ([id, speakers]) => {
      const members = await this.conversations.membersAmong(id, [viewerId, ...speakers]);
      if (!members.has(viewerId)) return;
      for (const speaker of speakers) if (members.has(speaker)) revealed.add(speaker);
    });
    return revealed;
  }
}
