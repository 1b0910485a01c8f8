import { openSqlite, truncateWal, type SqliteDatabase } from '../../../shared/sqlite/index.js';
import { lowestFreeDeviceId, newDeviceRecord } from '../store-rules.js';
import {
  UsernameTakenError,
  type AuthStore,
  type ClaimedBundle,
  type ClaimedKeyPackage,
  type DeletedAccount,
  type DeviceKey,
  type DeviceKeyUpload,
  type DeviceRecord,
  type NewDevice,
  type NewKeyPackage,
  type OneTimeKeyKind,
  type PreKeyCounts,
  type RefreshOutcome,
  type SessionRecord,
  type UnidentifiedAccessRecord,
  type UserRecord,
} from '../store.js';
import { AccountTables } from './accounts.js';
import { DeviceTables } from './devices.js';
import { KeyPackageTables } from './key-packages.js';
import { PreKeyTables } from './prekeys.js';
import { authSqliteMigrations } from './schema.js';
import { SessionTables } from './sessions.js';
import { UnidentifiedAccessTables } from './unidentified-access.js';

/**
 * The embedded AuthStore: one SQLite file, built from one set of tables per data group (accounts,
 * devices, prekeys, KeyPackages, sessions). better-sqlite3 is synchronous, so each method is
 * atomic; one that reads before it writes, or writes several groups, runs in one transaction.
 */
export class SqliteAuthStore implements AuthStore {
  private readonly db: SqliteDatabase;
  private readonly accounts: AccountTables;
  private readonly devices: DeviceTables;
  private readonly preKeys: PreKeyTables;
  private readonly keyPackages: KeyPackageTables;
  private readonly sessions: SessionTables;
  private readonly unidentifiedAccess: UnidentifiedAccessTables;

  constructor(file: string) {
    this.db = openSqlite(file, authSqliteMigrations);
    this.accounts = new AccountTables(this.db);
    this.devices = new DeviceTables(this.db);
    this.preKeys = new PreKeyTables(this.db);
    this.keyPackages = new KeyPackageTables(this.db);
    this.sessions = new SessionTables(this.db);
    this.unidentifiedAccess = new UnidentifiedAccessTables(this.db);
  }

  // --- accounts ---

  async createUser(user: UserRecord, device: NewDevice): Promise<DeviceRecord> {
    // The check and the insert run in one synchronous transaction, so no other writer interleaves;
    // the UNIQUE constraint stays as a backstop.
    return this.db.transaction(() => {
      if (this.accounts.isUsernameTaken(user.username, user.createdAt))
        throw new UsernameTakenError();
      this.accounts.insert(user);
      return this.insertDevice(user.id, 1, device, user.createdAt);
    })();
  }

  async findUserById(id: string): Promise<UserRecord | null> {
    return this.accounts.findById(id);
  }

  async findUsersByIds(ids: readonly string[]): Promise<UserRecord[]> {
    return this.accounts.findByIds(ids);
  }

  async findUserByUsername(username: string): Promise<UserRecord | null> {
    return this.accounts.findByUsername(username);
  }

  async deleteAccount(userId: string, quarantinedUntil: Date): Promise<DeletedAccount | null> {
    const deleted = this.db.transaction(() => {
      const user = this.accounts.findById(userId);
      if (!user) return null;
      const sessionIds = this.sessions.idsOfUser(userId);
      const deviceIds = this.devices.usedIds(userId);
      this.accounts.deleteAndQuarantine(user, quarantinedUntil, new Date());
      return { sessionIds, deviceIds };
    })();
    // secure_delete zeroed the rows; the checkpoint leaves no older copy of them in the WAL.
    if (deleted) truncateWal(this.db);
    return deleted;
  }

  // --- devices ---

  async addDevice(
    userId: string,
    device: NewDevice,
    maxDevices: number,
    now: Date,
  ): Promise<DeviceRecord> {
    return this.db.transaction(() => {
      const deviceId = lowestFreeDeviceId(this.devices.usedIds(userId), maxDevices);
      return this.insertDevice(userId, deviceId, device, now);
    })();
  }

  async findDevice(userId: string, deviceId: number): Promise<DeviceRecord | null> {
    return this.devices.find(userId, deviceId);
  }

  async listDevices(userId: string): Promise<DeviceRecord[]> {
    return this.devices.list(userId);
  }

  async findDevices(keys: readonly DeviceKey[]): Promise<DeviceRecord[]> {
    return this.devices.findMany(keys);
  }

  async listDevicesOfUsers(userIds: readonly string[]): Promise<DeviceRecord[]> {
    return this.devices.ofUsers(userIds);
  }

  async touchDevice(userId: string, deviceId: number, at: Date): Promise<void> {
    this.devices.touch(userId, deviceId, at);
  }

  async removeDevice(userId: string, deviceId: number): Promise<string[]> {
    return this.db.transaction(() => {
      const sessionIds = this.sessions.idsOfDevice(userId, deviceId);
      // Keys, KeyPackages, sessions and refresh tokens go with the device (ON DELETE CASCADE).
      this.devices.delete(userId, deviceId);
      return sessionIds;
    })();
  }

  // --- Signal keys ---

  async storeDeviceKeys(userId: string, deviceId: number, upload: DeviceKeyUpload): Promise<void> {
    this.db.transaction(() => this.preKeys.write(userId, deviceId, upload))();
  }

  async existingOneTimeKeyIds(
    userId: string,
    deviceId: number,
    kind: OneTimeKeyKind,
    keyIds: readonly number[],
  ): Promise<number[]> {
    return this.preKeys.existingIds(userId, deviceId, kind, keyIds);
  }

  async countPreKeys(userId: string, deviceId: number): Promise<PreKeyCounts> {
    return this.preKeys.count(userId, deviceId);
  }

  async claimBundles(
    userId: string,
    deviceIds: readonly number[] | null,
  ): Promise<ClaimedBundle[]> {
    return this.db.transaction(() =>
      this.devices
        .list(userId)
        .filter((device) => deviceIds === null || deviceIds.includes(device.deviceId))
        .map((device) => this.preKeys.claimBundle(device)),
    )();
  }

  // --- MLS KeyPackages ---

  async storeKeyPackages(
    userId: string,
    deviceId: number,
    packages: readonly NewKeyPackage[],
  ): Promise<number> {
    return this.db.transaction(() => this.keyPackages.store(userId, deviceId, packages))();
  }

  async countKeyPackages(userId: string, deviceId: number, now: Date): Promise<number> {
    return this.keyPackages.count(userId, deviceId, now);
  }

  async claimKeyPackages(userId: string, now: Date): Promise<ClaimedKeyPackage[]> {
    return this.db.transaction(() => {
      this.keyPackages.dropExpired(userId, now);
      return this.devices.list(userId).flatMap(({ deviceId }) => {
        const keyPackage = this.keyPackages.claim(userId, deviceId);
        return keyPackage ? [{ userId, deviceId, keyPackage }] : [];
      });
    })();
  }

  // --- sessions ---

  async createSession(session: SessionRecord, refreshTokenHash: Uint8Array): Promise<void> {
    this.db.transaction(() => this.sessions.create(session, refreshTokenHash))();
  }

  async findSession(id: string): Promise<SessionRecord | null> {
    return this.sessions.find(id);
  }

  async listSessions(userId: string, now: Date): Promise<SessionRecord[]> {
    return this.sessions.list(userId, now);
  }

  async rotateRefreshToken(
    presentedHash: Uint8Array,
    nextHash: Uint8Array,
    now: Date,
    expiresAt: Date,
  ): Promise<RefreshOutcome> {
    return this.db.transaction(() =>
      this.sessions.rotateRefreshToken(presentedHash, nextHash, now, expiresAt),
    )();
  }

  async deleteSession(userId: string, sessionId: string): Promise<boolean> {
    return this.sessions.delete(userId, sessionId);
  }

  // --- sealed sender ---

  async setUnidentifiedAccess(access: UnidentifiedAccessRecord): Promise<void> {
    this.unidentifiedAccess.set(access);
  }

  async findUnidentifiedAccess(userIds: readonly string[]): Promise<UnidentifiedAccessRecord[]> {
    return this.unidentifiedAccess.find(userIds);
  }

  async ping(): Promise<void> {
    this.db.prepare('SELECT 1').get();
  }

  async close(): Promise<void> {
    if (this.db.open) this.db.close();
  }

  /** The device row and its first keys; run inside the caller's transaction. */
  private insertDevice(
    userId: string,
    deviceId: number,
    device: NewDevice,
    now: Date,
  ): DeviceRecord {
    this.devices.insert(userId, deviceId, device, now);
    this.preKeys.write(userId, deviceId, device);
    return newDeviceRecord(userId, deviceId, device, now);
  }
}
