import { createHash } from 'node:crypto';
import { cells, mapLimited, type CqlSession } from '../../../shared/cql/index.js';
import type { EnvelopeRecord } from '../store.js';
import { concurrency } from './schema.js';

const hourMs = 3600_000;
/** Each expiry hour is spread over this many partitions, so no single one takes every write. */
const expiryShards = 8;
/** The expiry index outlives its envelopes by this much, so a late sweep still finds them. */
const sweepGraceMs = 24 * hourMs;

/** What the index knows of an envelope. */
export type IndexedEnvelope = Pick<
  EnvelopeRecord,
  'id' | 'recipientUserId' | 'recipientDeviceId' | 'expiresAt'
>;

interface Partition {
  readonly bucket: number;
  readonly shard: number;
}

/** Where an envelope sits in the expiry index: the hour it expires in, the shard of its mailbox. */
function partitionOf(envelope: Omit<IndexedEnvelope, 'id'>): Partition {
  const digest = createHash('sha256')
    .update(`${envelope.recipientUserId}\u0000${envelope.recipientDeviceId}`)
    .digest();
  return {
    bucket: Math.floor(envelope.expiresAt.getTime() / hourMs),
    shard: digest.readUInt32BE(0) % expiryShards,
  };
}

/** Every (hour, shard) partition of the hours from `fromMs` to `toMs`, both included. */
function partitionsBetween(fromMs: number, toMs: number): Partition[] {
  const partitions: Partition[] = [];
  for (let bucket = Math.floor(fromMs / hourMs); bucket <= Math.floor(toMs / hourMs); bucket++)
    for (let shard = 0; shard < expiryShards; shard++) partitions.push({ bucket, shard });
  return partitions;
}

/**
 * `mailbox_expiry`, the sweep's index of envelopes by the hour they expire (and a shard of their
 * mailbox), so the sweep and the pending count read a bounded set of partitions, never a scan of
 * the mailboxes. Acked envelopes leave the index with their envelope.
 */
export class ExpiryIndex {
  constructor(
    private readonly db: CqlSession,
    private readonly ks: string,
  ) {}

  /**
   * Indexes an envelope, for `ttlSeconds` (its own) plus the sweep's grace, at the mailbox row's
   * write time (`writtenAt`, microseconds), so the two rows are shadowed by the same deletes.
   */
  async add(envelope: IndexedEnvelope, ttlSeconds: number, writtenAt: bigint): Promise<void> {
    const { bucket, shard } = partitionOf(envelope);
    await this.db.execute(
      `INSERT INTO ${this.ks}.mailbox_expiry (bucket, shard, expires_at, user_id, device_id, id)
       VALUES (?, ?, ?, ?, ?, ?) USING TTL ? AND TIMESTAMP ?`,
      [
        BigInt(bucket),
        shard,
        envelope.expiresAt,
        envelope.recipientUserId,
        envelope.recipientDeviceId,
        envelope.id,
        ttlSeconds + sweepGraceMs / 1000,
        writtenAt,
      ],
    );
  }

  async remove(envelope: IndexedEnvelope): Promise<void> {
    await this.removeFrom(partitionOf(envelope), envelope);
  }

  /**
   * Counts the index from now to `horizonMs` ahead: one single-partition COUNT per (hour, shard),
   * e.g. 30 days × 8 shards = 5,760 small reads, a few at a time.
   */
  async countPending(now: Date, horizonMs: number): Promise<number> {
    const partitions = partitionsBetween(now.getTime(), now.getTime() + horizonMs + hourMs);
    const counts = await mapLimited(partitions, 4, async ({ bucket, shard }) => {
      const row = await this.db.first(
        `SELECT COUNT(*) AS pending FROM ${this.ks}.mailbox_expiry
           WHERE bucket = ? AND shard = ? AND expires_at > ?`,
        [BigInt(bucket), shard, now],
      );
      return row ? (cells.optionalInt(row, 'pending') ?? 0) : 0;
    });
    return counts.reduce((sum, count) => sum + count, 0);
  }

  /**
   * Hands each envelope expired by `now` (over the last day of hourly buckets) to `deleteEnvelope`,
   * then drops its index row; returns how many it found.
   */
  async sweep(
    now: Date,
    deleteEnvelope: (userId: string, deviceId: number, id: string) => Promise<void>,
  ): Promise<number> {
    const partitions = partitionsBetween(now.getTime() - sweepGraceMs, now.getTime());
    const counts = await mapLimited(partitions, concurrency, async (partition) => {
      const rows = (
        await this.db.execute(
          `SELECT expires_at, user_id, device_id, id FROM ${this.ks}.mailbox_expiry
           WHERE bucket = ? AND shard = ? AND expires_at <= ?`,
          [BigInt(partition.bucket), partition.shard, now],
        )
      ).rows;
      await mapLimited(rows, concurrency, async (row) => {
        const envelope = {
          id: cells.text(row, 'id'),
          recipientUserId: cells.text(row, 'user_id'),
          recipientDeviceId: cells.int(row, 'device_id'),
          expiresAt: cells.date(row, 'expires_at'),
        };
        await deleteEnvelope(envelope.recipientUserId, envelope.recipientDeviceId, envelope.id);
        await this.removeFrom(partition, envelope);
      });
      return rows.length;
    });
    return counts.reduce((sum, count) => sum + count, 0);
  }

  private async removeFrom(partition: Partition, envelope: IndexedEnvelope): Promise<void> {
    await this.db.execute(
      `DELETE FROM ${this.ks}.mailbox_expiry WHERE bucket = ? AND shard = ? AND expires_at = ?
       AND user_id = ? AND device_id = ? AND id = ?`,
      [
        BigInt(partition.bucket),
        partition.shard,
        envelope.expiresAt,
        envelope.recipientUserId,
        envelope.recipientDeviceId,
        envelope.id,
      ],
    );
  }
}
