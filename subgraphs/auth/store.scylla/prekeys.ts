import { randomInt } from 'node:crypto';
import {
  cells,
  claimOne,
  mapLimited,
  type BatchStatement,
  type CqlSession,
  type Row,
} from '../../../shared/cql/index.js';
import { missingSignedKeys } from '../store-rules.js';
import type {
  ClaimedBundle,
  OneTimeKeyKind,
  PreKeyCounts,
  PreKeyRecord,
  SignedPreKeyRecord,
} from '../store.js';
import type { DeviceWithRow } from './devices.js';
import { signedKey, toKyberPreKey, toPreKey } from './rows.js';
import { writeConcurrency } from './tuning.js';

const oneTimeKinds: readonly OneTimeKeyKind[] = ['ec', 'kyber'];
/** Rows per page when reading on past claimed keys. */
const pageSize = 1000;
/** Claimants start at a random one of this many lowest unclaimed keys. */
const claimSpread = 16;

/**
 * One-time prekeys: one partition per (user, device, kind), clustered by key id. A claim is a
 * compare-and-set of `claimed_by` from null to the claimant's token, then a plain delete; reads
 * skip claimed rows. A bundle adds the device's signed keys, which live in its device row.
 */
export class PreKeyTables {
  constructor(
    private readonly db: CqlSession,
    private readonly ks: string,
  ) {}

  async insert(
    userId: string,
    deviceId: number,
    preKeys: readonly PreKeyRecord[],
    kyberPreKeys: readonly SignedPreKeyRecord[],
  ): Promise<void> {
    const keys = [
      ...preKeys.map((key) => ({ kind: 'ec' as const, key, signature: null })),
      ...kyberPreKeys.map((key) => ({ kind: 'kyber' as const, key, signature: key.signature })),
    ];
    await mapLimited(keys, writeConcurrency, ({ kind, key, signature }) =>
      this.db.execute(
        `INSERT INTO ${this.ks}.one_time_prekeys (user_id, device_id, kind, key_id, public_key, signature)
         VALUES (?, ?, ?, ?, ?, ?)`,
        [userId, deviceId, kind, key.keyId, key.publicKey, signature],
      ),
    );
  }

  async existingIds(
    userId: string,
    deviceId: number,
    kind: OneTimeKeyKind,
    keyIds: readonly number[],
  ): Promise<number[]> {
    if (keyIds.length === 0) return [];
    const rows = (
      await this.db.execute(
        `SELECT key_id FROM ${this.ks}.one_time_prekeys
         WHERE user_id = ? AND device_id = ? AND kind = ? AND key_id IN ?`,
        [userId, deviceId, kind, [...new Set(keyIds)]],
      )
    ).rows;
    return rows.map((row) => cells.int(row, 'key_id'));
  }

  async count(userId: string, deviceId: number): Promise<PreKeyCounts> {
    const count = async (kind: OneTimeKeyKind) =>
      (await this.unclaimed(userId, deviceId, kind, null)).length;
    const [ecOneTime, kyberOneTime] = await Promise.all([count('ec'), count('kyber')]);
    return { ecOneTime, kyberOneTime };
  }

  /** The device's signed keys, with one one-time key of each kind claimed for this caller. */
  async claimBundle({ device, row }: DeviceWithRow): Promise<ClaimedBundle> {
    const signedPreKey = signedKey(row, 'signed_prekey');
    const lastResort = signedKey(row, 'kyber_last_resort');
    if (!signedPreKey || !lastResort) throw missingSignedKeys(device);
    const [preKey, kyber] = await Promise.all([
      this.claim(device.userId, device.deviceId, 'ec'),
      this.claim(device.userId, device.deviceId, 'kyber'),
    ]);
    return {
      device,
      signedPreKey,
      preKey: preKey ? toPreKey(preKey) : null,
      kyberPreKey: kyber ? toKyberPreKey(kyber) : lastResort,
    };
  }

  /** Deletes every one-time key of the device. */
  deletes(userId: string, deviceId: number): BatchStatement[] {
    return oneTimeKinds.map((kind) => ({
      query: `DELETE FROM ${this.ks}.one_time_prekeys WHERE user_id = ? AND device_id = ? AND kind = ?`,
      params: [userId, deviceId, kind],
    }));
  }

  /** Unclaimed one-time keys of a device and kind, lowest id first (`limit` null: all). */
  private async unclaimed(
    userId: string,
    deviceId: number,
    kind: OneTimeKeyKind,
    limit: number | null,
  ): Promise<Row[]> {
    const rows: Row[] = [];
    let after = -1;
    // Claimed rows (being deleted) are skipped, so read on until `limit` unclaimed ones are found.
    for (;;) {
      const page = (
        await this.db.execute(
          `SELECT key_id, public_key, signature, claimed_by FROM ${this.ks}.one_time_prekeys
           WHERE user_id = ? AND device_id = ? AND kind = ? AND key_id > ? LIMIT ?`,
          [userId, deviceId, kind, after, limit ?? pageSize],
        )
      ).rows;
      for (const row of page) {
        if (cells.optionalText(row, 'claimed_by') === null) rows.push(row);
        after = cells.int(row, 'key_id');
      }
      if (page.length < (limit ?? pageSize) || (limit !== null && rows.length >= limit)) {
        return limit === null ? rows : rows.slice(0, limit);
      }
    }
  }

  /**
   * Hands one one-time key of the kind to this caller only (see `claimOne`). Racers start at random
   * candidates among the lowest ids, so they rarely want the same key.
   */
  private claim(userId: string, deviceId: number, kind: OneTimeKeyKind): Promise<Row | null> {
    return claimOne(
      this.db,
      {
        table: `${this.ks}.one_time_prekeys`,
        keyColumns: ['user_id', 'device_id', 'kind', 'key_id'],
        presentColumn: 'public_key',
      },
      {
        candidates: async () => {
          const rows = await this.unclaimed(userId, deviceId, kind, claimSpread);
          const start = rows.length === 0 ? 0 : randomInt(rows.length);
          return [...rows.slice(start), ...rows.slice(0, start)];
        },
        keyOf: (row) => [userId, deviceId, kind, cells.int(row, 'key_id')],
        what: `claiming a ${kind} one-time prekey`,
      },
    );
  }
}
