import type { SqliteDatabase } from '../../../shared/sqlite/index.js';
import type { NewKeyPackage } from '../store.js';
import { bytes } from './rows.js';

/**
 * MLS KeyPackages: `key_packages` by (user, device, reference), in upload order (`uploaded_seq`),
 * at most one of a device's marked `last_resort` (handed out without being consumed).
 * Synchronous: index.ts adds transactions.
 */
export class KeyPackageTables {
  constructor(private readonly db: SqliteDatabase) {}

  /** Stores the packages whose reference the device does not have yet; returns how many. */
  store(userId: string, deviceId: number, packages: readonly NewKeyPackage[]): number {
    const insert = this.db.prepare(
      `INSERT OR IGNORE INTO key_packages (user_id, device_id, reference, key_package, not_after, last_resort, uploaded_seq)
       VALUES (?, ?, ?, ?, ?, ?, (SELECT COALESCE(MAX(uploaded_seq), 0) + 1 FROM key_packages))`,
    );
    const known = this.db.prepare(
      'SELECT 1 FROM key_packages WHERE user_id = ? AND device_id = ? AND reference = ?',
    );
    const dropLastResort = this.db.prepare(
      'DELETE FROM key_packages WHERE user_id = ? AND device_id = ? AND last_resort = 1',
    );
    let stored = 0;
    for (const entry of packages) {
      if (known.get(userId, deviceId, entry.reference)) continue;
      if (entry.lastResort) dropLastResort.run(userId, deviceId);
      stored += insert.run(
        userId,
        deviceId,
        entry.reference,
        entry.keyPackage,
        entry.notAfter.getTime(),
        entry.lastResort ? 1 : 0,
      ).changes;
    }
    return stored;
  }

  /** Unexpired ordinary KeyPackages of the device. */
  count(userId: string, deviceId: number, now: Date): number {
    const row = this.db
      .prepare(
        `SELECT COUNT(*) AS count FROM key_packages
         WHERE user_id = ? AND device_id = ? AND last_resort = 0 AND not_after > ?`,
      )
      .get(userId, deviceId, now.getTime()) as { count: number };
    return row.count;
  }

  /** Deletes the user's expired KeyPackages (before a claim, so none is handed out). */
  dropExpired(userId: string, now: Date): void {
    this.db
      .prepare('DELETE FROM key_packages WHERE user_id = ? AND not_after <= ?')
      .run(userId, now.getTime());
  }

  /** The device's oldest ordinary KeyPackage, taken out, else its last-resort one, left in place. */
  claim(userId: string, deviceId: number): Uint8Array | null {
    const taken = this.db
      .prepare(
        `DELETE FROM key_packages WHERE rowid = (
           SELECT rowid FROM key_packages WHERE user_id = ? AND device_id = ? AND last_resort = 0
           ORDER BY uploaded_seq LIMIT 1)
         RETURNING key_package`,
      )
      .get(userId, deviceId);
    const row = (taken ??
      this.db
        .prepare(
          'SELECT key_package FROM key_packages WHERE user_id = ? AND device_id = ? AND last_resort = 1',
        )
        .get(userId, deviceId)) as { key_package: Buffer } | undefined;
    return row ? bytes(row.key_package) : null;
  }
}
