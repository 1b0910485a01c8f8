export type PresenceStatus = 'ONLINE' | 'AWAY' | 'OFFLINE';

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

/** The presence subgraph's storage port. */
export interface PresenceStore {
  findPresence(userId: string): Promise<PresenceRecord | null>;
  savePresence(record: PresenceRecord): Promise<void>;
  /** Users whose announced status is not OFFLINE (candidates for expiry). */
  listAnnouncedPresent(): Promise<PresenceRecord[]>;

  /** Inserts or refreshes a connection's heartbeat. */
  touchConnection(connection: ConnectionRecord): Promise<void>;
  removeConnection(connectionId: string): Promise<void>;
  /** How many of the user's connections were heard from after `since`. */
  countLiveConnections(userId: string, since: Date): Promise<number>;
  /** Deletes connections not heard from since `before`; returns their users. */
  expireConnections(before: Date): Promise<string[]>;

  ping(): Promise<void>;
  close(): Promise<void>;
}
