import type { PresenceStatus } from './store.js';

/** What presence announces; index.ts publishes these on the bus (core, ephemeral). */
export interface PresenceEvents {
  presenceChanged(userId: string, status: PresenceStatus): Promise<void>;
  /** `at`: when it happened, by this replica's clock (carried in the event). */
  typing(conversationId: string, userId: string, typing: boolean, at: Date): Promise<void>;
}
