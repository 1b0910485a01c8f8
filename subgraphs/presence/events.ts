import type { PresenceStatus } from './store.js';

/** What presence announces; index.ts publishes these on the bus (core, ephemeral). */
export interface PresenceEvents {
  presenceChanged(userId: string, status: PresenceStatus): Promise<void>;
  typing(conversationId: string, userId: string, typing: boolean): Promise<void>;
}
