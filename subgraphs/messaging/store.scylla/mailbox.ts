import {
  cells,
  inChunks,
  mapLimited,
  ttlSeconds,
  type CqlSession,
} from '../../../shared/cql/index.js';
import { deviceKey } from '../mailbox-usage.js';
import type { DeviceAddress, EnvelopeRecord, MailboxPage, MailboxUsage } from '../store.js';
import { ExpiryIndex } from './expiry-index.js';
import { decodeCursor, encodeCursor, toEnvelope } from './rows.js';
import {
  concurrency,
  envelopeColumnNames,
  envelopeValues,
  keysPerRead,
  mailboxColumns,
  placeholders,
} from './schema.js';

/** Envelope ids per page when a whole mailbox is read to be deleted. */
const deletePageSize = 500;

const mailboxInsert = (ks: string) =>
  `INSERT INTO ${ks}.mailbox (${envelopeColumnNames(mailboxColumns)})
   VALUES (${placeholders(12)}) USING TTL ? AND TIMESTAMP ?`;
const oneEnvelope = 'WHERE user_id = ? AND device_id = ? AND id = ?';

/** A cell's write time in CQL's unit (microseconds since the epoch): the envelope's server time. */
const writeTimestamp = (envelope: EnvelopeRecord): bigint =>
  BigInt(envelope.serverTimestamp.getTime()) * 1000n;

/**
 * The mailboxes: `mailbox` (the envelopes, one partition per device, `USING TTL` their expiry),
 * `mailbox_sizes` (their sizes, for the quota) and, through `ExpiryIndex`, `mailbox_expiry`.
 * Envelopes enter and leave all three together.
 */
export class Mailboxes {
  readonly expiry: ExpiryIndex;

  constructor(
    private readonly db: CqlSession,
    private readonly ks: string,
  ) {
    this.expiry = new ExpiryIndex(db, ks);
  }

  /**
   * Each envelope into its mailbox (TTL = its expiry), its size row and the expiry index, written
   * at the envelope's server time (`USING TIMESTAMP`), not the clock of this attempt: a retry that
   * writes a send's envelopes again (see sends.ts) then cannot bring back one its device acked in
   * between, since the ack's delete is later than the send and shadows the rewrite.
   */
  async write(envelopes: readonly EnvelopeRecord[]): Promise<void> {
    const now = new Date();
    await mapLimited(envelopes, concurrency, async (envelope) => {
      const ttl = ttlSeconds(envelope.expiresAt, now);
      const writtenAt = writeTimestamp(envelope);
      // Three partitions, written at once; the mailbox row alone makes the envelope readable.
      await Promise.all([
        this.db.execute(mailboxInsert(this.ks), [...envelopeValues(envelope), ttl, writtenAt]),
        this.expiry.add(envelope, ttl, writtenAt),
        this.db.execute(
          `INSERT INTO ${this.ks}.mailbox_sizes (user_id, device_id, id, size) VALUES (?, ?, ?, ?)
           USING TTL ? AND TIMESTAMP ?`,
          [
            envelope.recipientUserId,
            envelope.recipientDeviceId,
            envelope.id,
            BigInt(envelope.content.length),
            ttl,
            writtenAt,
          ],
        ),
      ]);
    });
  }

  /** Deletes envelopes from their mailboxes (batches per mailbox) and from the expiry index. */
  async remove(envelopes: readonly EnvelopeRecord[]): Promise<void> {
    const byMailbox = new Map<string, EnvelopeRecord[]>();
    for (const envelope of envelopes) {
      const key = deviceKey({
        userId: envelope.recipientUserId,
        deviceId: envelope.recipientDeviceId,
      });
      byMailbox.set(key, [...(byMailbox.get(key) ?? []), envelope]);
    }
    await mapLimited([...byMailbox.values()], concurrency, async (mailbox) => {
      for (let i = 0; i < mailbox.length; i += keysPerRead) {
        const slice = mailbox.slice(i, i + keysPerRead);
        // One partition per table: each batch's deletes apply together.
        for (const table of ['mailbox', 'mailbox_sizes']) {
          await this.db.batch(
            slice.map((envelope) => ({
              query: `DELETE FROM ${this.ks}.${table} ${oneEnvelope}`,
              params: [envelope.recipientUserId, envelope.recipientDeviceId, envelope.id],
            })),
            { logged: false },
          );
        }
      }
    });
    await mapLimited(envelopes, concurrency, (envelope) => this.expiry.remove(envelope));
  }

  /** Deletes one envelope from its mailbox and its size row (the sweep drops its index row). */
  async removeOne(userId: string, deviceId: number, id: string): Promise<void> {
    for (const table of ['mailbox', 'mailbox_sizes'])
      await this.db.execute(`DELETE FROM ${this.ks}.${table} ${oneEnvelope}`, [
        userId,
        deviceId,
        id,
      ]);
  }

  async find(userId: string, deviceId: number, id: string): Promise<EnvelopeRecord | null> {
    const row = await this.db.first(`SELECT * FROM ${this.ks}.mailbox ${oneEnvelope}`, [
      userId,
      deviceId,
      id,
    ]);
    return row ? toEnvelope(row) : null;
  }

  /** One mailbox partition, `IN` on the clustering id, 100 ids per query (repeats read once). */
  async findMany(
    userId: string,
    deviceId: number,
    ids: readonly string[],
  ): Promise<EnvelopeRecord[]> {
    const chunks = await mapLimited(inChunks(ids, keysPerRead), concurrency, async (chunk) =>
      (
        await this.db.execute(
          `SELECT * FROM ${this.ks}.mailbox WHERE user_id = ? AND device_id = ? AND id IN ?`,
          [userId, deviceId, chunk],
        )
      ).rows.map((row) => toEnvelope(row)),
    );
    return chunks.flat();
  }

  /** A page of the device's live envelopes, after the cursor `after` (null: from the start). */
  async readPage(
    { userId, deviceId }: DeviceAddress,
    after: string | null,
    limit: number,
    now: Date,
  ): Promise<MailboxPage> {
    const live: EnvelopeRecord[] = [];
    let from = after === null ? '' : decodeCursor(after);
    // One more than asked tells whether more follow; expired rows (TTL not yet due) are skipped,
    // so read on until enough live ones are found or the partition ends.
    for (;;) {
      const want = limit + 1 - live.length;
      const rows = (
        await this.db.execute(
          `SELECT * FROM ${this.ks}.mailbox WHERE user_id = ? AND device_id = ? AND id > ? LIMIT ?`,
          [userId, deviceId, from, want],
        )
      ).rows;
      for (const row of rows) {
        const envelope = toEnvelope(row);
        from = envelope.id;
        if (envelope.expiresAt > now) live.push(envelope);
      }
      if (rows.length < want || live.length > limit) break;
    }
    const page = live.slice(0, limit);
    const last = page[page.length - 1];
    return {
      envelopes: page,
      cursor: last ? encodeCursor(last.id) : after,
      hasMore: live.length > limit,
    };
  }

  /** Deletes a device's mailbox whole; returns how many envelopes it held. */
  async removeAll(userId: string, deviceId: number): Promise<number> {
    const envelopes: { id: string; expiresAt: Date }[] = [];
    let from = '';
    for (;;) {
      const rows = (
        await this.db.execute(
          `SELECT id, expires_at FROM ${this.ks}.mailbox WHERE user_id = ? AND device_id = ? AND id > ?
           LIMIT ${deletePageSize}`,
          [userId, deviceId, from],
        )
      ).rows;
      for (const row of rows) {
        from = cells.text(row, 'id');
        envelopes.push({ id: from, expiresAt: cells.date(row, 'expires_at') });
      }
      if (rows.length < deletePageSize) break;
    }
    for (const table of ['mailbox', 'mailbox_sizes'])
      await this.db.execute(`DELETE FROM ${this.ks}.${table} WHERE user_id = ? AND device_id = ?`, [
        userId,
        deviceId,
      ]);
    await mapLimited(envelopes, concurrency, (envelope) =>
      this.expiry.remove({ ...envelope, recipientUserId: userId, recipientDeviceId: deviceId }),
    );
    return envelopes.length;
  }

  /**
   * Sums each device's `mailbox_sizes` partition: a narrow copy of the mailbox (id and size,
   * written and deleted with each envelope, same TTL), so the sum is exact after acks and expiry
   * without reading contents. It costs one read per device, growing with its pending envelopes.
   */
  async usage(devices: readonly DeviceAddress[]): Promise<MailboxUsage[]> {
    return mapLimited(devices, concurrency, async ({ userId, deviceId }) => {
      const row = await this.db.first(
        `SELECT COUNT(*) AS envelopes, SUM(size) AS bytes FROM ${this.ks}.mailbox_sizes
           WHERE user_id = ? AND device_id = ?`,
        [userId, deviceId],
      );
      return {
        userId,
        deviceId,
        envelopes: row ? (cells.optionalInt(row, 'envelopes') ?? 0) : 0,
        bytes: row ? (cells.optionalInt(row, 'bytes') ?? 0) : 0,
      };
    });
  }
}
