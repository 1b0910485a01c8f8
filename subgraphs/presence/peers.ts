import type { EntityClient } from '../../shared/federation/index.js';

/**
 * What presence asks messaging, which owns conversations: whether the caller shares a
 * conversation with a user, and whether the caller belongs to a conversation. Both go through
 * the supergraph's entities with the caller's credentials.
 */
export interface ConversationPeers {
  sharesConversation(userId: string, authorization: string | undefined): Promise<boolean>;
  isMember(conversationId: string, authorization: string | undefined): Promise<boolean>;
}

export function entityConversationPeers(messaging: EntityClient): ConversationPeers {
  return {
    async sharesConversation(userId, authorization) {
      const [user] = await messaging.fetch<{ sharesConversationWithViewer: boolean }>(
        'User',
        [userId],
        'sharesConversationWithViewer',
        authorization,
      );
      return user?.sharesConversationWithViewer === true;
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
