export type PresenceStatus = 'ONLINE' | 'AWAY' | 'OFFLINE';

export const presenceVisibilities = ['CONTACTS', 'NOBODY'] as const;
/** Who may see a user's presence and last seen: their contacts (messaging's rule) or nobody. */
export type PresenceVisibility = (typeof presenceVisibilities)[number];
export const defaultPresenceVisibility: PresenceVisibility = 'CONTACTS';

/** A user's own choice and the last sign of life; the effective status is derived from it. */
export interface PresenceRecord {
  readonly userId: string;
  /** What the user chose with setPresence (ONLINE until they choose otherwise). */
  readonly chosen: PresenceStatus;
  /** When setPresence was last called; keeps a socketless client present for a while. Null once its last socket closes. */
  readonly chosenAt: Date | null;
  /** Last heartbeat, connection change or setPresence: the "last seen" time. */
  readonly lastActiveAt: Date | null;
  /** The effective status last announced, to publish only changes. */
  readonly announced: PresenceStatus;
}

/** One open socket of a device at some gateway, kept alive by heartbeats. */
export interface ConnectionRecord {
  readonly userId: string;
  readonly deviceId: number;
  readonly connectionId: string;
  readonly lastHeartbeatAt: Date;
}

/** What resolving one user's presence needs, read for many users at once. */
export interface PresenceSnapshot {
  readonly record: PresenceRecord | null;
  /** Whether a connection was heard from after the `liveSince` of the read. */
  readonly connected: boolean;
  /** The user's setting; the default when they never chose. */
  readonly visibility: PresenceVisibility;
}

/** The presence subgraph's storage port. */
export interface PresenceStore {
  findPresence(userId: string): Promise<PresenceRecord | null>;
  savePresence(record: PresenceRecord): Promise<void>;
  /** One snapshot per distinct user id, in one read (N users, one call). */
  readPresenceBatch(
    userIds: readonly string[],
    liveSince: Date,
  ): Promise<Map<string, PresenceSnapshot>>;
  /** Stores the user's visibility setting (kept apart from the record, which connection events rewrite). */
  saveVisibility(userId: string, visibility: PresenceVisibility): Promise<void>;
  /** Users whose announced status is not OFFLINE (candidates for expiry). */
  listAnnouncedPresent(): Promise<PresenceRecord[]>;

  /** Inserts or refreshes a connection's heartbeat. */
  touchConnection(connection: ConnectionRecord): Promise<void>;
  removeConnection(connectionId: string): Promise<void>;
  /**
   * Whether one of the user's connections was heard from after `since`. Its cost must not grow
   * with the user's connections: every heartbeat asks it.
   */
  hasLiveConnection(userId: string, since: Date): Promise<boolean>;
  /** Deletes connections not heard from since `before`; returns their users. */
  expireConnections(before: Date): Promise<string[]>;

  /** Deletes the user's presence record, visibility setting and connections (a deleted account). */
  deleteUser(userId: string): Promise<void>;

  ping(): Promise<void>;
  close(): Promise<void>;
}
