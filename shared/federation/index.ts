export { EntityClient } from './entity-client.js';
export { messagingConversationPeers, type ConversationPeers } from './conversation-peers.js';
