import type { Principal } from '../../shared/auth/index.js';
import type { PresenceRecord, PresenceStatus, PresenceStore } from './store.js';

/** Online status and last seen. Until a user has been seen, they are OFFLINE with no last-seen time. */
export class PresenceService {
  constructor(
    private readonly store: PresenceStore,
    private readonly now: () => Date = () => new Date(),
  ) {}

  async presenceOf(userId: string): Promise<PresenceRecord> {
    return (
      (await this.store.findPresence(userId)) ?? { userId, status: 'OFFLINE', lastSeenAt: null }
    );
  }

  async setPresence(principal: Principal, status: PresenceStatus): Promise<PresenceRecord> {
    const record: PresenceRecord = { userId: principal.userId, status, lastSeenAt: this.now() };
    await this.store.savePresence(record);
    return record;
  }
}
