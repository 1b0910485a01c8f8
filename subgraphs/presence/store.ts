export type PresenceStatus = 'ONLINE' | 'AWAY' | 'OFFLINE';

export interface PresenceRecord {
  readonly userId: string;
  readonly status: PresenceStatus;
  readonly lastSeenAt: Date | null;
}

/** The presence subgraph's storage port. */
export interface PresenceStore {
  findPresence(userId: string): Promise<PresenceRecord | null>;
  savePresence(record: PresenceRecord): Promise<void>;
  ping(): Promise<void>;
  close(): Promise<void>;
}
