import type { SqliteDatabase } from '../../../shared/sqlite/index.js';
import { missingSignedKeys } from '../store-rules.js';
import type {
  ClaimedBundle,
  DeviceKeyUpload,
  DeviceRecord,
  OneTimeKeyKind,
  PreKeyCounts,
} from '../store.js';
import { toPreKey, toSignedPreKey, type KeyRow } from './rows.js';

/** `signed_prekeys.kind`: the signed EC prekey or the last-resort Kyber key, one of each. */
type SignedKeyKind = 'ec' | 'kyber_last_resort';

/**
 * Signal prekeys: `signed_prekeys` (replaced by an upload) and `one_time_prekeys` (each handed
 * out once, lowest id first). Synchronous: index.ts adds transactions.
 */
export class PreKeyTables {
  constructor(private readonly db: SqliteDatabase) {}

  /** Replaces the signed keys the upload gives and appends its one-time keys. */
  write(userId: string, deviceId: number, upload: DeviceKeyUpload): void {
    const putSigned = this.db.prepare(
      `INSERT OR REPLACE INTO signed_prekeys (user_id, device_id, kind, key_id, public_key, signature)
       VALUES (?, ?, ?, ?, ?, ?)`,
    );
    const signed: [SignedKeyKind, DeviceKeyUpload['signedPreKey']][] = [
      ['ec', upload.signedPreKey],
      ['kyber_last_resort', upload.kyberLastResortPreKey],
    ];
    for (const [kind, key] of signed) {
      if (key) putSigned.run(userId, deviceId, kind, key.keyId, key.publicKey, key.signature);
    }
    const putOneTime = this.db.prepare(
      `INSERT INTO one_time_prekeys (user_id, device_id, kind, key_id, public_key, signature) VALUES (?, ?, ?, ?, ?, ?)`,
    );
    for (const key of upload.preKeys)
      putOneTime.run(userId, deviceId, 'ec', key.keyId, key.publicKey, null);
    for (const key of upload.kyberPreKeys)
      putOneTime.run(userId, deviceId, 'kyber', key.keyId, key.publicKey, key.signature);
  }

  existingIds(
    userId: string,
    deviceId: number,
    kind: OneTimeKeyKind,
    keyIds: readonly number[],
  ): number[] {
    if (keyIds.length === 0) return [];
    const rows = this.db
      .prepare(
        `SELECT key_id FROM one_time_prekeys WHERE user_id = ? AND device_id = ? AND kind = ?
         AND key_id IN (SELECT value FROM json_each(?))`,
      )
      .all(userId, deviceId, kind, JSON.stringify(keyIds)) as { key_id: number }[];
    return rows.map((row) => row.key_id);
  }

  count(userId: string, deviceId: number): PreKeyCounts {
    const rows = this.db
      .prepare(
        'SELECT kind, COUNT(*) AS count FROM one_time_prekeys WHERE user_id = ? AND device_id = ? GROUP BY kind',
      )
      .all(userId, deviceId) as { kind: string; count: number }[];
    const count = (kind: OneTimeKeyKind) => rows.find((row) => row.kind === kind)?.count ?? 0;
    return { ecOneTime: count('ec'), kyberOneTime: count('kyber') };
  }

  /** The device's signed keys, with its lowest one-time key of each kind taken out. */
  claimBundle(device: DeviceRecord): ClaimedBundle {
    const signedPreKey = this.signed(device, 'ec');
    const lastResort = this.signed(device, 'kyber_last_resort');
    if (!signedPreKey || !lastResort) throw missingSignedKeys(device);
    const preKey = this.takeOneTime(device, 'ec');
    const kyber = this.takeOneTime(device, 'kyber') ?? lastResort;
    return {
      device,
      signedPreKey: toSignedPreKey(signedPreKey),
      preKey: preKey ? toPreKey(preKey) : null,
      kyberPreKey: toSignedPreKey(kyber),
    };
  }

  private signed(device: DeviceRecord, kind: SignedKeyKind): KeyRow | undefined {
    return this.db
      .prepare(
        'SELECT key_id, public_key, signature FROM signed_prekeys WHERE user_id = ? AND device_id = ? AND kind = ?',
      )
      .get(device.userId, device.deviceId, kind) as KeyRow | undefined;
  }

  private takeOneTime(device: DeviceRecord, kind: OneTimeKeyKind): KeyRow | undefined {
    return this.db
      .prepare(
        `DELETE FROM one_time_prekeys WHERE rowid = (
           SELECT rowid FROM one_time_prekeys WHERE user_id = ? AND device_id = ? AND kind = ? ORDER BY key_id LIMIT 1)
         RETURNING key_id, public_key, signature`,
      )
      .get(device.userId, device.deviceId, kind) as KeyRow | undefined;
  }
}
