import type { EntityClient } from '../../shared/federation/index.js';

/**
 * Subscribe-time authorization questions the messaging subgraph answers (through its entities,
 * with the subscriber's credentials): who shares a conversation with the subscriber, and
 * whether the subscriber is a member of a conversation.
 */
export interface SubscriptionPeers {
  /** The subset of `userIds` that share a conversation with the subscriber (or are the subscriber). */
  visibleUsers(userIds: readonly string[], authorization: string): Promise<Set<string>>;
  isMember(conversationId: string, authorization: string): Promise<boolean>;
}

export function entitySubscriptionPeers(messaging: EntityClient): SubscriptionPeers {
  return {
    async visibleUsers(userIds, authorization) {
      const unique = [...new Set(userIds)];
      const users = await messaging.fetch<{ sharesConversationWithViewer: boolean }>(
        'User',
        unique,
        'sharesConversationWithViewer',
        authorization,
      );
      return new Set(
        unique.filter((_, index) => users[index]?.sharesConversationWithViewer === true),
      );
    },
    async isMember(conversationId, authorization) {
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
