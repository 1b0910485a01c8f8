import {
  KeyspaceStore,
  openKeyspace,
  type CqlSession,
  type CqlStoreOptions,
} from '../../../shared/cql/index.js';
import { newDeviceRecord } from '../store-rules.js';
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
import { authMigrations } from './schema.js';
import { SessionTables } from './sessions.js';
import { UnidentifiedAccessTables } from './unidentified-access.js';

export type ScyllaAuthStoreOptions = CqlStoreOptions;

/**
 * The distributed AuthStore on ScyllaDB (or Cassandra), built from one set of tables per data
 * group: accounts, devices, one-time prekeys, KeyPackages and sessions (the tables are described
 * in schema.ts). Where the SQLite adapter uses one transaction, this one uses a lightweight
 * transaction for the decision (who gets the username, the device id, the key, the rotation) and
 * orders the other writes so that a crash in between leaves nothing a reader can see half-done:
 *
 * - `createUser` writes the account and device 1 first and claims the username last; a loser (or a
 *   crash before the claim) leaves only unreachable rows, which the loser deletes.
 * - `addDevice` inserts the device row (with its signed keys) in the same conditional batch as the
 *   generation bump; its one-time keys follow, so a crash there leaves a usable device without
 *   one-time keys (claims fall back to the last-resort Kyber key).
 * - `removeDevice` and session writes are logged batches: all of them happen, eventually, or none.
 * - `storeKeyPackages` counts as new the references it did not find before writing; two identical
 *   uploads at the same instant may both count a package, which is still stored once.
 *
 * Updates of an existing row (`touchDevice`, rotation) could re-create a row deleted at the same
 * moment; rows without their creation columns are therefore treated as absent.
 */
export class ScyllaAuthStore extends KeyspaceStore implements AuthStore {
  private readonly accounts: AccountTables;
  private readonly devices: DeviceTables;
  private readonly preKeys: PreKeyTables;
  private readonly keyPackages: KeyPackageTables;
  private readonly sessions: SessionTables;
  private readonly unidentifiedAccess: UnidentifiedAccessTables;

  private constructor(db: CqlSession, ks: string) {
    super(db, ks);
    this.accounts = new AccountTables(db, ks);
    this.devices = new DeviceTables(db, ks);
    this.preKeys = new PreKeyTables(db, ks);
    this.keyPackages = new KeyPackageTables(db, ks);
    this.sessions = new SessionTables(db, ks);
    this.unidentifiedAccess = new UnidentifiedAccessTables(db, ks);
  }

  /** Connects (in the background, retrying) to the configured cluster and migrates the keyspace. */
  static open(options: ScyllaAuthStoreOptions): ScyllaAuthStore {
    return openKeyspace(options, 'auth', authMigrations, (db, ks) => new ScyllaAuthStore(db, ks));
  }

  // --- accounts ---

  async createUser(user: UserRecord, device: NewDevice): Promise<DeviceRecord> {
    if (await this.accounts.isQuarantined(user.username)) throw new UsernameTakenError();
    await this.accounts.insert(user);
    await this.devices.insertPrimary(user.id, device, user.createdAt);
    await this.preKeys.insert(user.id, 1, device.preKeys, device.kyberPreKeys);
    if (!(await this.accounts.claimUsername(user))) {
      await this.discardUser(user.id);
      throw new UsernameTakenError();
    }
    // A deletion quarantines the name before it gives up the claim: a claim won after that
    // sees the quarantine here, and gives the name back.
    if (await this.accounts.isQuarantined(user.username)) {
      await this.accounts.releaseUsername(user);
      await this.discardUser(user.id);
      throw new UsernameTakenError();
    }
    return newDeviceRecord(user.id, 1, device, user.createdAt);
  }

  /**
   * Quarantines the username, gives up its claim (login by name stops), then deletes the rest
   * (unidentified access included) in one logged batch. A crash in between leaves an account reachable by id only, which a retry
   * (the user's tokens still work until the batch) deletes.
   */
  async deleteAccount(userId: string, quarantinedUntil: Date): Promise<DeletedAccount | null> {
    const user = await this.accounts.findById(userId);
    if (!user) return null;
    const [sessionIds, deviceIds] = await Promise.all([
      this.sessions.idsOfUser(userId),
      this.devices.allIds(userId),
    ]);
    await this.accounts.quarantine(user.username, quarantinedUntil, new Date());
    await this.accounts.releaseUsername(user);
    await this.db.batch(
      [
        this.accounts.userDelete(userId),
        this.unidentifiedAccess.userDelete(userId),
        this.devices.allDevicesDelete(userId),
        ...deviceIds.flatMap((deviceId) => [
          ...this.preKeys.deletes(userId, deviceId),
          ...this.keyPackages.deletes(userId, deviceId),
        ]),
        ...sessionIds.flatMap((sessionId) => this.sessions.deletes(userId, sessionId)),
      ],
      { logged: true },
    );
    return { sessionIds, deviceIds };
  }

  findUserById(id: string): Promise<UserRecord | null> {
    return this.accounts.findById(id);
  }

  findUsersByIds(ids: readonly string[]): Promise<UserRecord[]> {
    return this.accounts.findByIds(ids);
  }

  findUserByUsername(username: string): Promise<UserRecord | null> {
    return this.accounts.findByUsername(username);
  }

  // --- devices ---

  async addDevice(
    userId: string,
    device: NewDevice,
    maxDevices: number,
    now: Date,
  ): Promise<DeviceRecord> {
    const deviceId = await this.devices.link(userId, device, maxDevices, now);
    await this.preKeys.insert(userId, deviceId, device.preKeys, device.kyberPreKeys);
    return newDeviceRecord(userId, deviceId, device, now);
  }

  findDevice(userId: string, deviceId: number): Promise<DeviceRecord | null> {
    return this.devices.find(userId, deviceId);
  }

  async listDevices(userId: string): Promise<DeviceRecord[]> {
    return (await this.devices.withRows(userId)).map(({ device }) => device);
  }

  findDevices(keys: readonly DeviceKey[]): Promise<DeviceRecord[]> {
    return this.devices.findMany(keys);
  }

  listDevicesOfUsers(userIds: readonly string[]): Promise<DeviceRecord[]> {
    return this.devices.ofUsers(userIds);
  }

  touchDevice(userId: string, deviceId: number, at: Date): Promise<void> {
    return this.devices.touch(userId, deviceId, at);
  }

  /** One logged batch: the device, its keys, KeyPackages and sessions go together. */
  async removeDevice(userId: string, deviceId: number): Promise<string[]> {
    const sessionIds = await this.sessions.idsOfDevice(userId, deviceId);
    await this.db.batch(
      [
        this.devices.deviceDelete(userId, deviceId),
        ...this.preKeys.deletes(userId, deviceId),
        ...this.keyPackages.deletes(userId, deviceId),
        ...sessionIds.flatMap((sessionId) => this.sessions.deletes(userId, sessionId)),
      ],
      { logged: true },
    );
    return sessionIds;
  }

  // --- Signal keys ---

  async storeDeviceKeys(userId: string, deviceId: number, upload: DeviceKeyUpload): Promise<void> {
    await this.devices.storeSignedKeys(userId, deviceId, upload);
    await this.preKeys.insert(userId, deviceId, upload.preKeys, upload.kyberPreKeys);
  }

  existingOneTimeKeyIds(
    userId: string,
    deviceId: number,
    kind: OneTimeKeyKind,
    keyIds: readonly number[],
  ): Promise<number[]> {
    return this.preKeys.existingIds(userId, deviceId, kind, keyIds);
  }

  countPreKeys(userId: string, deviceId: number): Promise<PreKeyCounts> {
    return this.preKeys.count(userId, deviceId);
  }

  async claimBundles(
    userId: string,
    deviceIds: readonly number[] | null,
  ): Promise<ClaimedBundle[]> {
    const devices = (await this.devices.withRows(userId)).filter(
      ({ device }) => deviceIds === null || deviceIds.includes(device.deviceId),
    );
    return Promise.all(devices.map((device) => this.preKeys.claimBundle(device)));
  }

  // --- MLS KeyPackages ---

  storeKeyPackages(
    userId: string,
    deviceId: number,
    packages: readonly NewKeyPackage[],
  ): Promise<number> {
    return this.keyPackages.store(userId, deviceId, packages);
  }

  countKeyPackages(userId: string, deviceId: number, now: Date): Promise<number> {
    return this.keyPackages.count(userId, deviceId, now);
  }

  async claimKeyPackages(userId: string, now: Date): Promise<ClaimedKeyPackage[]> {
    const devices = await this.listDevices(userId);
    const claimed = await Promise.all(
      devices.map(async ({ deviceId }) => {
        const keyPackage = await this.keyPackages.claim(userId, deviceId, now);
        return keyPackage ? [{ userId, deviceId, keyPackage }] : [];
      }),
    );
    return claimed.flat();
  }

  // --- sessions ---

  createSession(session: SessionRecord, refreshTokenHash: Uint8Array): Promise<void> {
    return this.sessions.create(session, refreshTokenHash);
  }

  findSession(id: string): Promise<SessionRecord | null> {
    return this.sessions.find(id);
  }

  listSessions(userId: string, now: Date): Promise<SessionRecord[]> {
    return this.sessions.list(userId, now);
  }

  rotateRefreshToken(
    presentedHash: Uint8Array,
    nextHash: Uint8Array,
    now: Date,
    expiresAt: Date,
  ): Promise<RefreshOutcome> {
    return this.sessions.rotateRefreshToken(presentedHash, nextHash, now, expiresAt);
  }

  deleteSession(userId: string, sessionId: string): Promise<boolean> {
    return this.sessions.delete(userId, sessionId);
  }

  /** Deletes what a createUser that lost its username wrote; nothing points at it. */
  // --- sealed sender ---

  setUnidentifiedAccess(access: UnidentifiedAccessRecord): Promise<void> {
    return this.unidentifiedAccess.set(access);
  }

  findUnidentifiedAccess(userIds: readonly string[]): Promise<UnidentifiedAccessRecord[]> {
    return this.unidentifiedAccess.find(userIds);
  }

  private async discardUser(userId: string): Promise<void> {
    await this.db.batch(
      [
        this.accounts.userDelete(userId),
        this.devices.allDevicesDelete(userId),
        ...this.preKeys.deletes(userId, 1),
      ],
      { logged: true },
    );
  }
}
