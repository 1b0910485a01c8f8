import type { EntityClient } from './entity-client.js';

/**
 * The questions about conversation membership that other subgraphs (presence) and the gateway's
 * subscription bridge ask messaging, which owns conversations: through its entities, with the
 * caller's credentials, so messaging answers for that caller.
 */
export interface ConversationPeers {
  /**
   * The subset of `userIds` whose presence the caller may see (messaging's rule: the caller, and
   * whoever has spoken to them; see docs/realtime.md), answered in one request.
   */
  visibleUsers(userIds: readonly string[], authorization: string | undefined): Promise<Set<string>>;
  /** Whether the caller is a member of the conversation. */
  isMember(conversationId: string, authorization: string | undefined): Promise<boolean>;
}

/** ConversationPeers over the messaging subgraph's `User` and `Conversation` entities. */
export function messagingConversationPeers(messaging: EntityClient): ConversationPeers {
  return {
    async visibleUsers(userIds, authorization) {
      const unique = [...new Set(userIds)];
      const users = await messaging.fetch<{ revealsPresenceToViewer: boolean }>(
        'User',
        unique,
        'revealsPresenceToViewer',
        authorization,
      );
      return new Set(unique.filter((_, index) => users[index]?.revealsPresenceToViewer === true));
    },
    async isMember(conversationId, authorization) {
      // Messaging resolves a Conversation reference only for its members.
      const [conversation] = await messaging.fetch<{ id: string }>(
        'Conversation',
        [conversationId],
        'id',
        authorization,
      );
      return conversation !== null && conversation !== undefined;
    },
  };
}
