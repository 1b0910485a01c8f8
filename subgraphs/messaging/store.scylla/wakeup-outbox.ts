import { createHash } from 'node:crypto';
import {
  cells,
  mapLimited,
  rowPages,
  type CqlSession,
  type Row,
} from '../../../shared/cql/index.js';
import { wakeupOutboxTtlMs, type Wakeup } from '../store.js';
import { concurrency } from './schema.js';

/** Partitions of the outbox: few, since it holds only what an outage of the bus left. */
const shards = 8;

const shardOf = (envelopeId: string): number =>
  (createHash('sha256').update(envelopeId).digest()[0] ?? 0) % shards;

function toWakeup(row: Row): Wakeup {
  return {
    envelopeId: cells.text(row, 'envelope_id'),
    userId: cells.text(row, 'user_id'),
    deviceId: cells.int(row, 'device_id'),
    createdAt: cells.date(row, 'created_at'),
  };
}

/**
 * `wakeup_outbox`: wake-ups of stored envelopes that the bus did not take, until the relay
 * publishes them; 8 partitions by a hash of the envelope id, each row `USING TTL` a day from
 * when it was kept (a wake-up older than that is pointless: the bus keeps durable ones a day).
 */
export class WakeupOutbox {
  constructor(
    private readonly db: CqlSession,
    private readonly ks: string,
  ) {}

  async keep(wakeups: readonly Wakeup[]): Promise<void> {
    await mapLimited(wakeups, concurrency, (wakeup) =>
      this.db.execute(
        `INSERT INTO ${this.ks}.wakeup_outbox (shard, envelope_id, user_id, device_id, created_at)
         VALUES (?, ?, ?, ?, ?) USING TTL ?`,
        [
          shardOf(wakeup.envelopeId),
          wakeup.envelopeId,
          wakeup.userId,
          wakeup.deviceId,
          wakeup.createdAt,
          Math.max(
            1,
            Math.ceil((wakeup.createdAt.getTime() + wakeupOutboxTtlMs - Date.now()) / 1000),
          ),
        ],
      ),
    );
  }

  /** Up to `limit` wake-ups kept since `since`, partition by partition. */
  async kept(limit: number, since: Date): Promise<Wakeup[]> {
    const found: Wakeup[] = [];
    for (let shard = 0; shard < shards && found.length < limit; shard++) {
      const { rows } = await this.db.execute(
        `SELECT * FROM ${this.ks}.wakeup_outbox WHERE shard = ? LIMIT ?`,
        [shard, limit - found.length],
      );
      for (const wakeup of rows.map(toWakeup)) if (wakeup.createdAt > since) found.push(wakeup);
    }
    return found;
  }

  async drop(envelopeIds: readonly string[]): Promise<void> {
    await mapLimited(envelopeIds, concurrency, (id) =>
      this.db.execute(`DELETE FROM ${this.ks}.wakeup_outbox WHERE shard = ? AND envelope_id = ?`, [
        shardOf(id),
        id,
      ]),
    );
  }

  async count(): Promise<number> {
    let total = 0;
    for (let shard = 0; shard < shards; shard++) {
      const row = await this.db.first(
        `SELECT COUNT(*) AS n FROM ${this.ks}.wakeup_outbox WHERE shard = ?`,
        [shard],
      );
      total += row ? (cells.optionalInt(row, 'n') ?? 0) : 0;
    }
    return total;
  }

  /** Drops a deleted account's wake-ups: a read of each (small) partition. */
  async dropUser(userId: string): Promise<void> {
    for (let shard = 0; shard < shards; shard++) {
      for await (const rows of rowPages(
        this.db,
        `SELECT envelope_id, user_id FROM ${this.ks}.wakeup_outbox WHERE shard = ?`,
        [shard],
      )) {
        const ids = rows
          .filter((row) => cells.text(row, 'user_id') === userId)
          .map((row) => cells.text(row, 'envelope_id'));
        await this.drop(ids);
      }
    }
  }
}
