import {
  KeyspaceStore,
  openKeyspace,
  type CqlSession,
  type CqlStoreOptions,
} from '../../../shared/cql/index.js';
import type {
  ConnectionRecord,
  PresenceRecord,
  PresenceSnapshot,
  PresenceStore,
  PresenceVisibility,
} from '../store.js';
import { Connections, type UserConnection } from './connections.js';
import { PresenceRecords } from './presence-records.js';
import { migrations } from './schema.js';

export interface ScyllaPresenceStoreOptions extends CqlStoreOptions {
  /**
   * The service's liveness window (a connection not heard from for this long no longer counts).
   * @default 90 000 ms
   */
  readonly livenessMs?: number;
  /**
   * How much longer than the liveness window connection rows live before they expire by TTL; the
   * sweep must run within it to report the users whose connections went quiet. @default 300 000 ms
   */
  readonly connectionTtlMarginMs?: number;
}

/**
 * The distributed PresenceStore on ScyllaDB (or Cassandra), composed of the presence records and
 * the connections (the tables are described in schema.ts). No decision here needs a lightweight
 * transaction: the service recomputes a user's status from the rows it reads, and every write is
 * idempotent. What SQLite does in one statement this store does with write timestamps:
 *
 * - A heartbeat writes its connection's rows and the user's `connected_users` row in one logged
 *   batch (one timestamp). The sweep deletes a stale connection `USING TIMESTAMP` of the write it
 *   read, so a heartbeat that lands meanwhile is newer and survives the delete.
 * - `expireConnections` returns the users whose stale connections it found and deleted. Should no
 *   sweep run within the TTL margin (five minutes) after a connection went quiet, its rows expire
 *   unseen and it does not return that user; its status is OFFLINE all the same, and the service still announces
 *   it through `listAnnouncedPresent`.
 */
export class ScyllaPresenceStore extends KeyspaceStore implements PresenceStore {
  private readonly records: PresenceRecords;
  private readonly connections: Connections;

  constructor(
    db: CqlSession,
    keyspace: string,
    /** `USING TTL` of connection rows. */
    connectionTtlSeconds: number,
  ) {
    super(db, keyspace);
    this.records = new PresenceRecords(db, keyspace);
    this.connections = new Connections(db, keyspace, connectionTtlSeconds, (userId) =>
      this.userConnections(userId),
    );
  }

  /** Connects (in the background, retrying) to the configured cluster and migrates the keyspace. */
  static open<T extends ScyllaPresenceStore>(
    this: new (db: CqlSession, keyspace: string, connectionTtlSeconds: number) => T,
    options: ScyllaPresenceStoreOptions,
  ): T {
    const { livenessMs = 90_000, connectionTtlMarginMs = 300_000, ...cql } = options;
    const ttlSeconds = Math.max(1, Math.ceil((livenessMs + connectionTtlMarginMs) / 1000));
    return openKeyspace(cql, 'presence', migrations, (db, ks) => new this(db, ks, ttlSeconds));
  }

  // --- presence ---

  findPresence(userId: string): Promise<PresenceRecord | null> {
    return this.records.find(userId);
  }

  savePresence(record: PresenceRecord): Promise<void> {
    return this.records.save(record);
  }

  readPresenceBatch(
    userIds: readonly string[],
    liveSince: Date,
  ): Promise<Map<string, PresenceSnapshot>> {
    return this.records.readBatch(userIds, liveSince);
  }

  saveVisibility(userId: string, visibility: PresenceVisibility): Promise<void> {
    return this.records.saveVisibility(userId, visibility);
  }

  listAnnouncedPresent(): Promise<PresenceRecord[]> {
    return this.records.listAnnouncedPresent();
  }

  // --- connections ---

  touchConnection(connection: ConnectionRecord): Promise<void> {
    return this.connections.touch(connection);
  }

  removeConnection(connectionId: string): Promise<void> {
    return this.connections.remove(connectionId);
  }

  hasLiveConnection(userId: string, since: Date): Promise<boolean> {
    return this.connections.hasLive(userId, since);
  }

  expireConnections(before: Date): Promise<string[]> {
    return this.connections.expire(before);
  }

  async deleteUser(userId: string): Promise<void> {
    await this.connections.removeAllOf(userId);
    await this.records.delete(userId);
  }

  /** The user's connections with the write time of their last heartbeat (protected for tests). */
  protected userConnections(userId: string): Promise<UserConnection[]> {
    return this.connections.ofUser(userId);
  }
}
