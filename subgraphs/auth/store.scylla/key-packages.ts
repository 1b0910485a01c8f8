import {
  cells,
  claimOne,
  mapLimited,
  ttlSeconds,
  type BatchStatement,
  type CqlSession,
  type Row,
} from '../../../shared/cql/index.js';
import type { NewKeyPackage } from '../store.js';
import { writeConcurrency } from './tuning.js';

/**
 * MLS KeyPackages. `key_packages`: one partition per device, clustered by KeyPackageRef (so a
 * re-upload is the same row), with a TTL at the package's own expiry, claimed like one-time
 * prekeys, oldest upload first. `last_resort_key_packages`: one row per device, overwritten by an
 * upload (the newer one wins), read but never claimed when the device has no ordinary one left.
 */
export class KeyPackageTables {
  constructor(
    private readonly db: CqlSession,
    private readonly ks: string,
  ) {}

  /**
   * Stores the packages whose reference the device did not have before; returns how many. Two
   * identical uploads at the same instant may both count a package, which is still stored once.
   */
  async store(
    userId: string,
    deviceId: number,
    packages: readonly NewKeyPackage[],
  ): Promise<number> {
    const lastResort = packages.filter((entry) => entry.lastResort);
    const ordinary = packages.filter((entry) => !entry.lastResort);
    let stored = 0;
    for (const entry of lastResort) stored += await this.storeLastResort(userId, deviceId, entry);
    return stored + (await this.storeOrdinary(userId, deviceId, ordinary));
  }

  /** Unexpired ordinary KeyPackages of the device. */
  async count(userId: string, deviceId: number, now: Date): Promise<number> {
    return (await this.unclaimed(userId, deviceId, now)).length;
  }

  /** The device's oldest ordinary KeyPackage, claimed for this caller, else its last-resort one. */
  async claim(userId: string, deviceId: number, now: Date): Promise<Uint8Array | null> {
    return (
      (await this.claimOrdinary(userId, deviceId, now)) ??
      (await this.lastResort(userId, deviceId, now))
    );
  }

  /** Deletes every KeyPackage of the device, last-resort one included. */
  deletes(userId: string, deviceId: number): BatchStatement[] {
    return ['key_packages', 'last_resort_key_packages'].map((table) => ({
      query: `DELETE FROM ${this.ks}.${table} WHERE user_id = ? AND device_id = ?`,
      params: [userId, deviceId],
    }));
  }

  private async storeLastResort(
    userId: string,
    deviceId: number,
    entry: NewKeyPackage,
  ): Promise<number> {
    const current = (
      await this.db.execute(
        `SELECT reference FROM ${this.ks}.last_resort_key_packages WHERE user_id = ? AND device_id = ?`,
        [userId, deviceId],
      )
    ).first();
    const currentReference = current && cells.optionalBytes(current, 'reference');
    if (currentReference && Buffer.from(currentReference).equals(entry.reference)) return 0;
    const now = new Date();
    await this.db.execute(
      `INSERT INTO ${this.ks}.last_resort_key_packages (user_id, device_id, reference, key_package, not_after)
       VALUES (?, ?, ?, ?, ?) USING TTL ?`,
      [
        userId,
        deviceId,
        entry.reference,
        entry.keyPackage,
        entry.notAfter,
        ttlSeconds(entry.notAfter, now),
      ],
    );
    return 1;
  }

  private async storeOrdinary(
    userId: string,
    deviceId: number,
    packages: readonly NewKeyPackage[],
  ): Promise<number> {
    const known = new Set(
      (
        await this.db.execute(
          `SELECT reference FROM ${this.ks}.key_packages WHERE user_id = ? AND device_id = ?`,
          [userId, deviceId],
        )
      ).rows.map((row) => Buffer.from(cells.bytes(row, 'reference')).toString('hex')),
    );
    const fresh = packages.filter((entry) => {
      const reference = Buffer.from(entry.reference).toString('hex');
      if (known.has(reference)) return false;
      known.add(reference);
      return true;
    });
    const now = new Date();
    const base = BigInt(now.getTime()) * 1000n;
    await mapLimited(fresh, writeConcurrency, (entry, index) =>
      this.db.execute(
        `INSERT INTO ${this.ks}.key_packages (user_id, device_id, reference, key_package, not_after, upload_order)
         VALUES (?, ?, ?, ?, ?, ?) USING TTL ?`,
        [
          userId,
          deviceId,
          entry.reference,
          entry.keyPackage,
          entry.notAfter,
          base + BigInt(index),
          ttlSeconds(entry.notAfter, now),
        ],
      ),
    );
    return fresh.length;
  }

  /** Unexpired, unclaimed KeyPackages of a device, oldest upload first. */
  private async unclaimed(userId: string, deviceId: number, now: Date): Promise<Row[]> {
    const rows = (
      await this.db.execute(
        `SELECT reference, key_package, not_after, upload_order, claimed_by FROM ${this.ks}.key_packages
         WHERE user_id = ? AND device_id = ?`,
        [userId, deviceId],
      )
    ).rows;
    return rows
      .filter(
        (row) =>
          cells.optionalText(row, 'claimed_by') === null &&
          cells.optionalBytes(row, 'key_package') !== null &&
          cells.date(row, 'not_after') > now,
      )
      .sort((a, b) => cells.int(a, 'upload_order') - cells.int(b, 'upload_order'));
  }

  /** One KeyPackage of the device, oldest first, claimed like a one-time prekey. */
  private async claimOrdinary(
    userId: string,
    deviceId: number,
    now: Date,
  ): Promise<Uint8Array | null> {
    const row = await claimOne(
      this.db,
      {
        table: `${this.ks}.key_packages`,
        keyColumns: ['user_id', 'device_id', 'reference'],
        presentColumn: 'key_package',
      },
      {
        candidates: () => this.unclaimed(userId, deviceId, now),
        keyOf: (candidate) => [userId, deviceId, cells.bytes(candidate, 'reference')],
        what: 'claiming a KeyPackage',
      },
    );
    return row ? cells.bytes(row, 'key_package') : null;
  }

  /** The device's unexpired last-resort KeyPackage, left in place. */
  private async lastResort(
    userId: string,
    deviceId: number,
    now: Date,
  ): Promise<Uint8Array | null> {
    const row = (
      await this.db.execute(
        `SELECT key_package, not_after FROM ${this.ks}.last_resort_key_packages
         WHERE user_id = ? AND device_id = ?`,
        [userId, deviceId],
      )
    ).first();
    if (!row || cells.date(row, 'not_after') <= now) return null;
    return cells.optionalBytes(row, 'key_package');
  }
}
