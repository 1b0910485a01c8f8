import {
  cells,
  conditionalBatch,
  consistency,
  contentionPause,
  CqlContentionError,
  groupedBy,
  inChunks,
  mapLimited,
  type BatchStatement,
  type CqlSession,
  type Row,
} from '../../../shared/cql/index.js';
import { lowestFreeDeviceId } from '../store-rules.js';
import type { DeviceKey, DeviceKeyUpload, DeviceRecord, NewDevice } from '../store.js';
import { deviceColumns, devicePlaceholders, deviceValues, toDevice } from './rows.js';
import { inChunkSize, maxAttempts, readConcurrency } from './tuning.js';

/** A device with its row, which also holds the device's signed keys. */
export interface DeviceWithRow {
  readonly device: DeviceRecord;
  readonly row: Row;
}

/**
 * Devices: one partition per user, one row per device holding its signed EC prekey and
 * last-resort Kyber key, and a static `generation` that links compare-and-set.
 */
export class DeviceTables {
  constructor(
    private readonly db: CqlSession,
    private readonly ks: string,
  ) {}

  /** Writes device 1 of a new account; the partition's generation starts at 0. */
  async insertPrimary(userId: string, device: NewDevice, now: Date): Promise<void> {
    // One partition: the device row and the partition's generation are written together.
    await this.db.batch(
      [
        this.deviceInsert(userId, 1, device, now),
        {
          query: `UPDATE ${this.ks}.devices SET generation = 0 WHERE user_id = ?`,
          params: [userId],
        },
      ],
      { logged: false },
    );
  }

  /**
   * Inserts a linked device at the lowest free id, in one conditional batch with the bump of the
   * partition's generation, so two concurrent links never take the same id or pass the limit.
   * Returns the id taken.
   */
  async link(userId: string, device: NewDevice, maxDevices: number, now: Date): Promise<number> {
    for (let attempt = 0; attempt < maxAttempts; attempt++) {
      const rows = (
        await this.db.execute(
          `SELECT device_id, generation, identity_key FROM ${this.ks}.devices WHERE user_id = ?`,
          [userId],
        )
      ).rows;
      const generation = rows[0] ? cells.optionalInt(rows[0], 'generation') : null;
      const used = rows
        .filter((row) => cells.optionalBytes(row, 'identity_key') !== null)
        .map((row) => cells.int(row, 'device_id'));
      const deviceId = lowestFreeDeviceId(used, maxDevices);

      const outcome = await conditionalBatch(
        this.db,
        [
          {
            query: `UPDATE ${this.ks}.devices SET generation = ? WHERE user_id = ? IF generation = ?`,
            params: [(generation ?? 0) + 1, userId, generation],
          },
          this.deviceInsert(userId, deviceId, device, now),
        ],
        async () => {
          const current = await this.row(userId, deviceId, consistency.localSerial);
          const key = current && cells.optionalBytes(current, 'identity_key');
          return key ? Buffer.from(key).equals(device.identityKey) : false;
        },
      );
      if (outcome.applied) return deviceId;
      await contentionPause(attempt);
    }
    throw new CqlContentionError('adding a device');
  }

  async find(userId: string, deviceId: number): Promise<DeviceRecord | null> {
    const row = await this.row(userId, deviceId, consistency.localQuorum);
    return row ? toDevice(row) : null;
  }

  /** The user's devices (partial rows skipped), by id, with their rows. */
  async withRows(userId: string): Promise<DeviceWithRow[]> {
    const rows = (
      await this.db.execute(`SELECT * FROM ${this.ks}.devices WHERE user_id = ?`, [userId])
    ).rows;
    return rows.flatMap((row) => {
      const device = toDevice(row);
      return device ? [{ device, row }] : [];
    });
  }

  /** Every device id the user's partition holds, rows without their creation columns included. */
  async allIds(userId: string): Promise<number[]> {
    const rows = (
      await this.db.execute(`SELECT device_id FROM ${this.ks}.devices WHERE user_id = ?`, [userId])
    ).rows;
    return rows.flatMap((row) => cells.optionalInt(row, 'device_id') ?? []);
  }

  /** One single-partition read per user (`device_id IN`), issued together. */
  async findMany(keys: readonly DeviceKey[]): Promise<DeviceRecord[]> {
    const byUser = [...groupedBy(keys, (key) => key.userId)];
    const found = await mapLimited(byUser, readConcurrency, async ([userId, userKeys]) =>
      (
        await this.db.execute(
          `SELECT * FROM ${this.ks}.devices WHERE user_id = ? AND device_id IN ?`,
          [userId, [...new Set(userKeys.map((key) => key.deviceId))]],
          { consistency: consistency.localQuorum },
        )
      ).rows.flatMap((row) => toDevice(row) ?? []),
    );
    return found.flat();
  }

  /** Every device of the users, by user and then device id. */
  async ofUsers(userIds: readonly string[]): Promise<DeviceRecord[]> {
    const chunks = await mapLimited(
      inChunks(userIds, inChunkSize),
      readConcurrency,
      async (chunk) =>
        (
          await this.db.execute(`SELECT * FROM ${this.ks}.devices WHERE user_id IN ?`, [chunk])
        ).rows.flatMap((row) => toDevice(row) ?? []),
    );
    return chunks
      .flat()
      .sort((a, b) =>
        a.userId === b.userId ? a.deviceId - b.deviceId : a.userId < b.userId ? -1 : 1,
      );
  }

  async touch(userId: string, deviceId: number, at: Date): Promise<void> {
    await this.db.execute(
      `UPDATE ${this.ks}.devices SET last_seen_at = ? WHERE user_id = ? AND device_id = ?`,
      [at, userId, deviceId],
    );
  }

  /** Replaces the signed keys the upload gives (none given: nothing written). */
  async storeSignedKeys(userId: string, deviceId: number, upload: DeviceKeyUpload): Promise<void> {
    const updates: BatchStatement[] = [];
    if (upload.signedPreKey) {
      const key = upload.signedPreKey;
      updates.push({
        query: `UPDATE ${this.ks}.devices SET signed_prekey_id = ?, signed_prekey = ?, signed_prekey_signature = ?
                WHERE user_id = ? AND device_id = ?`,
        params: [key.keyId, key.publicKey, key.signature, userId, deviceId],
      });
    }
    if (upload.kyberLastResortPreKey) {
      const key = upload.kyberLastResortPreKey;
      updates.push({
        query: `UPDATE ${this.ks}.devices SET kyber_last_resort_id = ?, kyber_last_resort = ?,
                kyber_last_resort_signature = ? WHERE user_id = ? AND device_id = ?`,
        params: [key.keyId, key.publicKey, key.signature, userId, deviceId],
      });
    }
    // Same partition: applied together and in isolation.
    if (updates.length > 0) await this.db.batch(updates, { logged: false });
  }

  deviceDelete(userId: string, deviceId: number): BatchStatement {
    return {
      query: `DELETE FROM ${this.ks}.devices WHERE user_id = ? AND device_id = ?`,
      params: [userId, deviceId],
    };
  }

  /** Deletes the user's whole partition (of an account whose username was never claimed). */
  allDevicesDelete(userId: string): BatchStatement {
    return { query: `DELETE FROM ${this.ks}.devices WHERE user_id = ?`, params: [userId] };
  }

  private deviceInsert(
    userId: string,
    deviceId: number,
    device: NewDevice,
    now: Date,
  ): BatchStatement {
    return {
      query: `INSERT INTO ${this.ks}.devices ${deviceColumns} VALUES ${devicePlaceholders}`,
      params: deviceValues(userId, deviceId, device, now),
    };
  }

  /** The device's row, or null when absent or partial. */
  private async row(
    userId: string,
    deviceId: number,
    readConsistency: number,
  ): Promise<Row | null> {
    const row = (
      await this.db.execute(
        `SELECT * FROM ${this.ks}.devices WHERE user_id = ? AND device_id = ?`,
        [userId, deviceId],
        { consistency: readConsistency },
      )
    ).first();
    return row && cells.optionalBytes(row, 'identity_key') !== null ? row : null;
  }
}
