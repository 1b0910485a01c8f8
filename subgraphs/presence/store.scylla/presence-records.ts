import {
  cells,
  inChunks,
  mapLimited,
  rowPages,
  type CqlSession,
  type Row,
} from '../../../shared/cql/index.js';
import {
  defaultPresenceVisibility,
  presenceVisibilities,
  type PresenceRecord,
  type PresenceSnapshot,
  type PresenceStatus,
  type PresenceVisibility,
} from '../store.js';
import { presenceColumnNames, shardOf, shards } from './schema.js';

/** Statements in flight at once for one scan or batch read. */
const concurrency = 16;
/** Users per partition `IN` list of a batch read. */
const usersPerRead = 100;

const statuses: readonly PresenceStatus[] = ['ONLINE', 'AWAY', 'OFFLINE'];

function toPresence(row: Row): PresenceRecord {
  return {
    userId: cells.text(row, 'user_id'),
    chosen: cells.oneOf(row, 'chosen', statuses),
    chosenAt: cells.optionalDate(row, 'chosen_at'),
    lastActiveAt: cells.optionalDate(row, 'last_active_at'),
    announced: cells.oneOf(row, 'announced', statuses),
  };
}

/**
 * The presence records (`presence`, and `present_users`, their copy while announced present) and
 * the visibility settings (`presence_visibility`); a batch read adds each user's live connections.
 */
export class PresenceRecords {
  constructor(
    private readonly db: CqlSession,
    private readonly ks: string,
  ) {}

  async find(userId: string): Promise<PresenceRecord | null> {
    const row = await this.db.first(
      `SELECT ${presenceColumnNames} FROM ${this.ks}.presence WHERE user_id = ?`,
      [userId],
    );
    return row ? toPresence(row) : null;
  }

  /** The record, and its `present_users` copy inserted or deleted, in one logged batch. */
  async save(record: PresenceRecord): Promise<void> {
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

  /** Records, settings and live connections of many users: partition `IN`, 100 users a query. */
  async readBatch(
    userIds: readonly string[],
    liveSince: Date,
  ): Promise<Map<string, PresenceSnapshot>> {
    const snapshots = new Map<string, PresenceSnapshot>();
    await mapLimited(inChunks(userIds, usersPerRead), concurrency, async (chunk) => {
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
        visibilities.rows.map((row) => [
          cells.text(row, 'user_id'),
          cells.oneOf(row, 'visibility', presenceVisibilities),
        ]),
      );
      const connected = new Set<string>();
      for (const row of connections.rows) {
        const heartbeat = cells.optionalDate(row, 'last_heartbeat_at');
        const userId = cells.text(row, 'user_id');
        if (heartbeat !== null && heartbeat > liveSince) connected.add(userId);
      }
      for (const userId of chunk) {
        const row = recordOf.get(userId);
        snapshots.set(userId, {
          record: row ? toPresence(row) : null,
          connected: connected.has(userId),
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

  /** Deletes the user's record, its `present_users` copy and the visibility setting. */
  async delete(userId: string): Promise<void> {
    await this.db.batch(
      [
        { query: `DELETE FROM ${this.ks}.presence WHERE user_id = ?`, params: [userId] },
        {
          query: `DELETE FROM ${this.ks}.present_users WHERE shard = ? AND user_id = ?`,
          params: [shardOf(userId), userId],
        },
        { query: `DELETE FROM ${this.ks}.presence_visibility WHERE user_id = ?`, params: [userId] },
      ],
      { logged: true },
    );
  }

  /** The 16 partitions of `present_users`, never the whole `presence` table. */
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
}
