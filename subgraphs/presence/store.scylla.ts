import { createHash } from 'node:crypto';
import {
  cells,
  mapLimited,
  openKeyspaceSession,
  rowPages,
  type BatchStatement,
  type CqlMigration,
  type CqlSession,
  type Row,
  type CqlStoreOptions,
} from '../../shared/cql/index.js';
import {
  defaultPresenceVisibility,
  presenceVisibilities,
  type ConnectionRecord,
  type PresenceRecord,
  type PresenceSnapshot,
  type PresenceStatus,
  type PresenceStore,
  type PresenceVisibility,
} from './store.js';

/** Tombstones (closed and expired connections, users gone offline) are purged after 3 h. */
const gcGraceSeconds = 3 * 3600;

/**
 * The presence keyspace, modelled for its queries:
 *
 * - `presence`: one row per user, the record as the service saves it (`findPresence`). It has no
 *   TTL: the last-seen time outlives every socket, as in SQLite.
 * - `present_users`: a copy of the records whose announced status is not OFFLINE, in 16 partitions
 *   by a hash of the user id (`listAnnouncedPresent` reads those 16, never the whole `presence`
 *   table). It is bounded by the users currently announced present: `savePresence` writes the
 *   record and inserts or deletes its copy in one logged batch, whose single write timestamp
 *   makes the latest save win in both tables alike.
 * - `connections` (by connection id, for `removeConnection`) and `connections_by_user` (one
 *   partition per user, for `countLiveConnections`): each heartbeat rewrites both `USING TTL` a
 *   little above the liveness window, so a connection whose gateway died disappears by itself.
 * - `connected_users`: the users with connections, in 16 partitions by hash, rewritten with the
 *   same TTL on each heartbeat; `expireConnections` reads them and each user's connections.
 * - `presence_visibility`: each user's setting, apart from `presence`, which connection events
 *   rewrite whole. `readPresenceBatch` reads it, `presence` and `connections_by_user` with
 *   partition `IN` lists of at most 100 users.
 *
 * Why not an index of heartbeats by time bucket: every heartbeat would move its connection to a
 * newer bucket, leaving a tombstone per heartbeat for the sweep to wade through; here a sweep reads
 * one small partition per connected user, of live rows only.
 */
const migrations: readonly CqlMigration[] = [
  {
    version: 1,
    description: 'presence by user, announced-present users, connections with heartbeats',
    statements: (ks) => [
      `CREATE TABLE IF NOT EXISTS ${ks}.presence (
         user_id text PRIMARY KEY, ${presenceColumns})`,
      `CREATE TABLE IF NOT EXISTS ${ks}.present_users (
         shard int, user_id text, ${presenceColumns}, PRIMARY KEY (shard, user_id))
       WITH gc_grace_seconds = ${gcGraceSeconds}`,
      `CREATE TABLE IF NOT EXISTS ${ks}.connections (
         connection_id text PRIMARY KEY, user_id text, device_id int, last_heartbeat_at timestamp)
       WITH gc_grace_seconds = ${gcGraceSeconds}`,
      `CREATE TABLE IF NOT EXISTS ${ks}.connections_by_user (
         user_id text, connection_id text, device_id int, last_heartbeat_at timestamp,
         PRIMARY KEY (user_id, connection_id))
       WITH gc_grace_seconds = ${gcGraceSeconds}`,
      `CREATE TABLE IF NOT EXISTS ${ks}.connected_users (
         shard int, user_id text, last_heartbeat_at timestamp, PRIMARY KEY (shard, user_id))
       WITH gc_grace_seconds = ${gcGraceSeconds}`,
    ],
  },
  {
    version: 2,
    description: 'presence visibility by user',
    statements: (ks) => [
      `CREATE TABLE IF NOT EXISTS ${ks}.presence_visibility (user_id text PRIMARY KEY, visibility text)`,
    ],
  },
];

const presenceColumns =
  'chosen text, chosen_at timestamp, last_active_at timestamp, announced text';
const presenceColumnNames = 'user_id, chosen, chosen_at, last_active_at, announced';

/** Partitions of `present_users` and `connected_users`. */
const userShards = 16;
/** Statements in flight at once for one sweep or batch read. */
const concurrency = 16;
/** Users per partition `IN` list of a batch read. */
const batchSize = 100;

const statuses: readonly PresenceStatus[] = ['ONLINE', 'AWAY', 'OFFLINE'];

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
 * The distributed PresenceStore on ScyllaDB (or Cassandra). No decision here needs a lightweight
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
export class ScyllaPresenceStore implements PresenceStore {
  private readonly ks: string;

  constructor(
    private readonly db: CqlSession,
    keyspace: string,
    /** `USING TTL` of connection rows. */
    private readonly connectionTtlSeconds: number,
  ) {
    this.ks = keyspace;
  }

  /** Connects (in the background, retrying) to the configured cluster and migrates the keyspace. */
  static open<T extends ScyllaPresenceStore>(
    this: new (db: CqlSession, keyspace: string, connectionTtlSeconds: number) => T,
    options: ScyllaPresenceStoreOptions,
  ): T {
    const { keyspace, session } = openKeyspaceSession({
      database: options.database,
      subgraph: 'presence',
      migrations,
      logger: options.logger,
      ...(options.tuning ? { tuning: options.tuning } : {}),
    });
    const ttlMs = (options.livenessMs ?? 90_000) + (options.connectionTtlMarginMs ?? 300_000);
    return new this(session, keyspace, Math.max(1, Math.ceil(ttlMs / 1000)));
  }

  /** Resolves once connected and migrated (for tests and tools; the service relies on /health). */
  ready(timeoutMs?: number): Promise<void> {
    return this.db.ready(timeoutMs);
  }

  // --- presence ---

  async findPresence(userId: string): Promise<PresenceRecord | null> {
    const row = (
      await this.db.execute(
        `SELECT ${presenceColumnNames} FROM ${this.ks}.presence WHERE user_id = ?`,
        [userId],
      )
    ).first();
    return row ? toPresence(row) : null;
  }

  async savePresence(record: PresenceRecord): Promise<void> {
    const values = [
      record.userId,
      record.chosen,
      record.chosenAt,
      record.lastActiveAt,
      record.announced,
    ];
    const shard = shardOf(record.userId);
    await this.db.batch(
      [
        {
          query: `INSERT INTO ${this.ks}.presence (${presenceColumnNames}) VALUES (?, ?, ?, ?, ?)`,
          params: values,
        },
        record.announced === 'OFFLINE'
          ? {
              query: `DELETE FROM ${this.ks}.present_users WHERE shard = ? AND user_id = ?`,
              params: [shard, record.userId],
            }
          : {
              query: `INSERT INTO ${this.ks}.present_users (shard, ${presenceColumnNames})
                      VALUES (?, ?, ?, ?, ?, ?)`,
              params: [shard, ...values],
            },
      ],
      { logged: true },
    );
  }

  async readPresenceBatch(
    userIds: readonly string[],
    liveSince: Date,
  ): Promise<Map<string, PresenceSnapshot>> {
    const unique = [...new Set(userIds)];
    const chunks: string[][] = [];
    for (let i = 0; i < unique.length; i += batchSize) chunks.push(unique.slice(i, i + batchSize));
    const snapshots = new Map<string, PresenceSnapshot>();
    await mapLimited(chunks, concurrency, async (chunk) => {
      const [records, visibilities, connections] = await Promise.all([
        this.db.execute(
          `SELECT ${presenceColumnNames} FROM ${this.ks}.presence WHERE user_id IN ?`,
          [chunk],
        ),
        this.db.execute(
          `SELECT user_id, visibility FROM ${this.ks}.presence_visibility WHERE user_id IN ?`,
          [chunk],
        ),
        this.db.execute(
          `SELECT user_id, last_heartbeat_at FROM ${this.ks}.connections_by_user WHERE user_id IN ?`,
          [chunk],
        ),
      ]);
      const recordOf = new Map(records.rows.map((row) => [cells.text(row, 'user_id'), row]));
      const visibilityOf = new Map(
        visibilities.rows.map((row) => [cells.text(row, 'user_id'), visibility(row)]),
      );
      const live = new Map<string, number>();
      for (const row of connections.rows) {
        const heartbeat = cells.optionalDate(row, 'last_heartbeat_at');
        const userId = cells.text(row, 'user_id');
        if (heartbeat !== null && heartbeat > liveSince)
          live.set(userId, (live.get(userId) ?? 0) + 1);
      }
      for (const userId of chunk) {
        const row = recordOf.get(userId);
        snapshots.set(userId, {
          record: row ? toPresence(row) : null,
          liveConnections: live.get(userId) ?? 0,
          visibility: visibilityOf.get(userId) ?? defaultPresenceVisibility,
        });
      }
    });
    return snapshots;
  }

  async saveVisibility(userId: string, visibility: PresenceVisibility): Promise<void> {
    await this.db.execute(
      `INSERT INTO ${this.ks}.presence_visibility (user_id, visibility) VALUES (?, ?)`,
      [userId, visibility],
    );
  }

  async listAnnouncedPresent(): Promise<PresenceRecord[]> {
    const records: PresenceRecord[] = [];
    await mapLimited(shards(), concurrency, async (shard) => {
      for await (const page of rowPages(
        this.db,
        `SELECT ${presenceColumnNames} FROM ${this.ks}.present_users WHERE shard = ?`,
        [shard],
      )) {
        for (const row of page) {
          const record = toPresence(row);
          if (record.announced !== 'OFFLINE') records.push(record);
        }
      }
    });
    return records;
  }

  // --- connections ---

  async touchConnection(connection: ConnectionRecord): Promise<void> {
    const { userId, deviceId, connectionId, lastHeartbeatAt } = connection;
    const ttl = this.connectionTtlSeconds;
    // One batch, one write timestamp: what the sweep compares against (see expireConnections).
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

  async removeConnection(connectionId: string): Promise<void> {
    const row = (
      await this.db.execute(`SELECT user_id FROM ${this.ks}.connections WHERE connection_id = ?`, [
        connectionId,
      ])
    ).first();
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

  async countLiveConnections(userId: string, since: Date): Promise<number> {
    const rows = await this.userConnections(userId);
    return rows.filter((row) => row.lastHeartbeatAt > since).length;
  }

  async expireConnections(before: Date): Promise<string[]> {
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

  async ping(): Promise<void> {
    await this.db.ping();
  }

  async close(): Promise<void> {
    await this.db.close();
  }

  // --- internals ---

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
    const connections = await this.userConnections(userId);
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

  /** The user's connections with the write time of their last heartbeat (protected for tests). */
  protected async userConnections(
    userId: string,
  ): Promise<{ connectionId: string; lastHeartbeatAt: Date; writtenAt: bigint }[]> {
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
}

/** The partition of `present_users` and `connected_users` that holds a user. */
function shardOf(userId: string): number {
  return createHash('sha256').update(userId).digest().readUInt32BE(0) % userShards;
}

function shards(): number[] {
  return Array.from({ length: userShards }, (_, shard) => shard);
}

function status(row: Row, column: string): PresenceStatus {
  const value = cells.text(row, column);
  if (!(statuses as readonly string[]).includes(value))
    throw new Error(`unknown presence status "${value}" in the presence store`);
  return value as PresenceStatus;
}

function visibility(row: Row): PresenceVisibility {
  const value = cells.text(row, 'visibility');
  if (!(presenceVisibilities as readonly string[]).includes(value))
    throw new Error(`unknown presence visibility "${value}" in the presence store`);
  return value as PresenceVisibility;
}

function toPresence(row: Row): PresenceRecord {
  return {
    userId: cells.text(row, 'user_id'),
    chosen: status(row, 'chosen'),
    chosenAt: cells.optionalDate(row, 'chosen_at'),
    lastActiveAt: cells.optionalDate(row, 'last_active_at'),
    announced: status(row, 'announced'),
  };
}
