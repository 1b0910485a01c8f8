import type { SqliteDatabase } from '../../../shared/sqlite/index.js';
import type { DeviceKey, DeviceRecord, NewDevice } from '../store.js';
import { toDevice, type DeviceRow } from './rows.js';

/**
 * Devices: one row per (user, device). Their keys, KeyPackages and sessions reference the row and
 * go with it (ON DELETE CASCADE). Synchronous: index.ts adds transactions.
 */
export class DeviceTables {
  constructor(private readonly db: SqliteDatabase) {}

  /** Inserts the device row only; its keys are the prekey tables'. */
  insert(userId: string, deviceId: number, device: NewDevice, now: Date): void {
    this.db
      .prepare(
        `INSERT INTO devices (user_id, device_id, registration_id, name, identity_key, created_at, last_seen_at)
         VALUES (?, ?, ?, ?, ?, ?, ?)`,
      )
      .run(
        userId,
        deviceId,
        device.registrationId,
        device.name,
        device.identityKey,
        now.getTime(),
        now.getTime(),
      );
  }

  usedIds(userId: string): number[] {
    const rows = this.db.prepare('SELECT device_id FROM devices WHERE user_id = ?').all(userId) as {
      device_id: number;
    }[];
    return rows.map((row) => row.device_id);
  }

  find(userId: string, deviceId: number): DeviceRecord | null {
    const row = this.db
      .prepare('SELECT * FROM devices WHERE user_id = ? AND device_id = ?')
      .get(userId, deviceId) as DeviceRow | undefined;
    return row ? toDevice(row) : null;
  }

  /** The user's devices by id. */
  list(userId: string): DeviceRecord[] {
    const rows = this.db
      .prepare('SELECT * FROM devices WHERE user_id = ? ORDER BY device_id')
      .all(userId) as DeviceRow[];
    return rows.map(toDevice);
  }

  findMany(keys: readonly DeviceKey[]): DeviceRecord[] {
    const rows = this.db
      .prepare(
        `SELECT d.* FROM devices d
         JOIN (SELECT DISTINCT json_extract(value, '$.userId') AS user_id,
                 json_extract(value, '$.deviceId') AS device_id FROM json_each(?)) k
           ON d.user_id = k.user_id AND d.device_id = k.device_id`,
      )
      .all(
        JSON.stringify(keys.map(({ userId, deviceId }) => ({ userId, deviceId }))),
      ) as DeviceRow[];
    return rows.map(toDevice);
  }

  /** Every device of the users, by user and then device id. */
  ofUsers(userIds: readonly string[]): DeviceRecord[] {
    const rows = this.db
      .prepare(
        `SELECT * FROM devices WHERE user_id IN (SELECT value FROM json_each(?))
         ORDER BY user_id, device_id`,
      )
      .all(JSON.stringify(userIds)) as DeviceRow[];
    return rows.map(toDevice);
  }

  touch(userId: string, deviceId: number, at: Date): void {
    this.db
      .prepare('UPDATE devices SET last_seen_at = ? WHERE user_id = ? AND device_id = ?')
      .run(at.getTime(), userId, deviceId);
  }

  /** Deletes the device; its keys, KeyPackages, sessions and refresh tokens cascade. */
  delete(userId: string, deviceId: number): void {
    this.db
      .prepare('DELETE FROM devices WHERE user_id = ? AND device_id = ?')
      .run(userId, deviceId);
  }
}
