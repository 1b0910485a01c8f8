import {
  cells,
  mapLimited,
  rowPages,
  type BatchStatement,
  type CqlSession,
} from '../../../shared/cql/index.js';
import type { ConnectionRecord } from '../store.js';
import { shardOf, shards } from './schema.js';

/** Statements in flight at once for one sweep. */
const concurrency = 16;

/** A connection of a user, with the write time of its last heartbeat. */
export interface UserConnection {
  readonly connectionId: string;
  readonly lastHeartbeatAt: Date;
  /** `WRITETIME` of the heartbeat, in microseconds: what a sweep's delete is timed at. */
  readonly writtenAt: bigint;
}

/** Reads a user's connections (through the store, so a test can act while a sweep looks). */
export type ReadUserConnections = (userId: string) => Promise<UserConnection[]>;

/**
 * The connections: `connections` (by id), `connections_by_user` and `connected_users` (the users
 * with connections, by shard), each heartbeat rewriting all three `USING TTL` in one logged batch.
 */
export class Connections {
  constructor(
    private readonly db: CqlSession,
    private readonly ks: string,
    /** `USING TTL` of connection rows. */
    private readonly ttlSeconds: number,
    private readonly readUserConnections: ReadUserConnections,
  ) {}

  async touch(connection: ConnectionRecord): Promise<void> {
    const { userId, deviceId, connectionId, lastHeartbeatAt } = connection;
    const ttl = this.ttlSeconds;
    // One batch, one write timestamp: what the sweep compares against (see expire).
    await this.db.batch(
      [
        {
          query: `INSERT INTO ${this.ks}.connected_users (shard, user_id, last_heartbeat_at)
                  VALUES (?, ?, ?) USING TTL ?`,
          params: [shardOf(userId), userId, lastHeartbeatAt, ttl],
        },
        {
          query: `INSERT INTO ${this.ks}.connections (connection_id, user_id, device_id, last_heartbeat_at)
                  VALUES (?, ?, ?, ?) USING TTL ?`,
          params: [connectionId, userId, deviceId, lastHeartbeatAt, ttl],
        },
        {
          query: `INSERT INTO ${this.ks}.connections_by_user (user_id, connection_id, device_id, last_heartbeat_at)
                  VALUES (?, ?, ?, ?) USING TTL ?`,
          params: [userId, connectionId, deviceId, lastHeartbeatAt, ttl],
        },
      ],
      { logged: true },
    );
  }

  async remove(connectionId: string): Promise<void> {
    const row = await this.db.first(
      `SELECT user_id FROM ${this.ks}.connections WHERE connection_id = ?`,
      [connectionId],
    );
    const userId = row ? cells.optionalText(row, 'user_id') : null;
    if (userId === null) return;
    await this.db.batch(
      [
        {
          query: `DELETE FROM ${this.ks}.connections WHERE connection_id = ?`,
          params: [connectionId],
        },
        {
          query: `DELETE FROM ${this.ks}.connections_by_user WHERE user_id = ? AND connection_id = ?`,
          params: [userId, connectionId],
        },
      ],
      { logged: true },
    );
  }

  /** Deletes every connection of the user (a deleted account), newer heartbeats included. */
  async removeAllOf(userId: string): Promise<void> {
    const connections = await this.readUserConnections(userId);
    await this.db.batch(
      [
        ...connections.map(({ connectionId }) => ({
          query: `DELETE FROM ${this.ks}.connections WHERE connection_id = ?`,
          params: [connectionId],
        })),
        { query: `DELETE FROM ${this.ks}.connections_by_user WHERE user_id = ?`, params: [userId] },
        {
          query: `DELETE FROM ${this.ks}.connected_users WHERE shard = ? AND user_id = ?`,
          params: [shardOf(userId), userId],
        },
      ],
      { logged: true },
    );
  }

  async hasLive(userId: string, since: Date): Promise<boolean> {
    const connections = await this.readUserConnections(userId);
    return connections.some((connection) => connection.lastHeartbeatAt > since);
  }

  /** Deletes the connections not heard from since `before`; returns their users. */
  async expire(before: Date): Promise<string[]> {
    const expired: string[] = [];
    await mapLimited(shards(), concurrency, async (shard) => {
      for await (const page of rowPages(
        this.db,
        `SELECT user_id, WRITETIME(last_heartbeat_at) AS written FROM ${this.ks}.connected_users
         WHERE shard = ?`,
        [shard],
      )) {
        const found = await mapLimited(page, concurrency, (row) =>
          this.expireUserConnections(
            shard,
            cells.text(row, 'user_id'),
            cells.bigint(row, 'written'),
            before,
          ),
        );
        for (const userId of found) if (userId !== null) expired.push(userId);
      }
    });
    return expired;
  }

  /** The user's connections with the write time of their last heartbeat. */
  async ofUser(userId: string): Promise<UserConnection[]> {
    const rows = (
      await this.db.execute(
        `SELECT connection_id, last_heartbeat_at, WRITETIME(last_heartbeat_at) AS written
         FROM ${this.ks}.connections_by_user WHERE user_id = ?`,
        [userId],
      )
    ).rows;
    // A row whose heartbeat cell is gone (a delete racing a heartbeat) is no connection.
    return rows.flatMap((row) => {
      const lastHeartbeatAt = cells.optionalDate(row, 'last_heartbeat_at');
      return lastHeartbeatAt === null
        ? []
        : [
            {
              connectionId: cells.text(row, 'connection_id'),
              lastHeartbeatAt,
              writtenAt: cells.bigint(row, 'written'),
            },
          ];
    });
  }

  /**
   * Deletes the user's connections not heard from since `before`, each only as of the write the
   * sweep read (a newer heartbeat survives), and the user's `connected_users` row when no
   * connection is left. Returns the user when it deleted a connection.
   */
  private async expireUserConnections(
    shard: number,
    userId: string,
    userWrittenAt: bigint,
    before: Date,
  ): Promise<string | null> {
    const connections = await this.readUserConnections(userId);
    const stale = connections.filter((connection) => connection.lastHeartbeatAt <= before);
    const deletes: BatchStatement[] = stale.flatMap(({ connectionId, writtenAt }) => [
      {
        query: `DELETE FROM ${this.ks}.connections USING TIMESTAMP ? WHERE connection_id = ?`,
        params: [writtenAt, connectionId],
      },
      {
        query: `DELETE FROM ${this.ks}.connections_by_user USING TIMESTAMP ?
                WHERE user_id = ? AND connection_id = ?`,
        params: [writtenAt, userId, connectionId],
      },
    ]);
    if (stale.length === connections.length) {
      deletes.push({
        query: `DELETE FROM ${this.ks}.connected_users USING TIMESTAMP ? WHERE shard = ? AND user_id = ?`,
        params: [userWrittenAt, shard, userId],
      });
    }
    if (deletes.length > 0) await this.db.batch(deletes, { logged: true });
    return stale.length > 0 ? userId : null;
  }
}
