import { randomInt } from 'node:crypto';
import {
  cells,
  claimOne,
  conditional,
  conditionalBatch,
  consistency,
  contentionPause,
  CqlContentionError,
  groupedBy,
  inChunks,
  mapLimited,
  openKeyspaceSession,
  ttlSeconds,
  type BatchStatement,
  type CqlMigration,
  type CqlSession,
  type Row,
  type CqlStoreOptions,
} from '../../shared/cql/index.js';
import {
  DeviceLimitError,
  UsernameTakenError,
  type AuthStore,
  type ClaimedBundle,
  type ClaimedKeyPackage,
  type DeviceKeyUpload,
  type DeviceKey,
  type DeviceRecord,
  type NewDevice,
  type NewKeyPackage,
  type PreKeyCounts,
  type PreKeyRecord,
  type RefreshOutcome,
  type SessionRecord,
  type SignedPreKeyRecord,
  type UserRecord,
} from './store.js';

/**
 * The auth keyspace, modelled for its queries:
 *
 * - `usernames` is the uniqueness claim (`INSERT ... IF NOT EXISTS`); `users` holds the account by id.
 * - `devices`: one partition per user, one row per device, with the device's signed EC prekey and
 *   last-resort Kyber key in the row (a bundle is one read), and a static `generation` that
 *   `addDevice` compare-and-sets so two concurrent links never take the same id or pass the limit.
 * - `one_time_prekeys`: one partition per (user, device, kind), clustered by key id. A claim is a
 *   compare-and-set of `claimed_by` from null to the claimant's token, then a plain delete; reads
 *   skip claimed rows.
 * - `key_packages`: one partition per device, clustered by KeyPackageRef (so a re-upload is the same
 *   row), with a TTL at the package's own expiry; claimed like one-time prekeys, oldest first.
 * - `last_resort_key_packages`: one row per device (an upload overwrites it: the newer one wins),
 *   with a TTL at its expiry; read, never claimed, when the device has no ordinary one left.
 * - `sessions` by id (checked on every request), `sessions_by_user` to list and revoke them, and
 *   `refresh_tokens` by hash, rotated with `IF used = false` and kept (with a TTL) to detect reuse.
 */
const migrations: readonly CqlMigration[] = [
  {
    version: 1,
    description: 'accounts, devices with signed keys, one-time prekeys, KeyPackages, sessions',
    statements: (ks) => [
      `CREATE TABLE IF NOT EXISTS ${ks}.users (
         id text PRIMARY KEY, username text, password_hash text, created_at timestamp)`,
      `CREATE TABLE IF NOT EXISTS ${ks}.usernames (username text PRIMARY KEY, user_id text)`,
      `CREATE TABLE IF NOT EXISTS ${ks}.devices (
         user_id text, device_id int, generation int STATIC,
         registration_id int, name text, identity_key blob,
         created_at timestamp, last_seen_at timestamp,
         signed_prekey_id int, signed_prekey blob, signed_prekey_signature blob,
         kyber_last_resort_id int, kyber_last_resort blob, kyber_last_resort_signature blob,
         PRIMARY KEY (user_id, device_id))`,
      `CREATE TABLE IF NOT EXISTS ${ks}.one_time_prekeys (
         user_id text, device_id int, kind text, key_id int,
         public_key blob, signature blob, claimed_by text,
         PRIMARY KEY ((user_id, device_id, kind), key_id))`,
      `CREATE TABLE IF NOT EXISTS ${ks}.key_packages (
         user_id text, device_id int, reference blob,
         key_package blob, not_after timestamp, upload_order bigint, claimed_by text,
         PRIMARY KEY ((user_id, device_id), reference))`,
      `CREATE TABLE IF NOT EXISTS ${ks}.sessions (
         id text PRIMARY KEY, user_id text, device_id int,
         created_at timestamp, last_used_at timestamp, expires_at timestamp)`,
      `CREATE TABLE IF NOT EXISTS ${ks}.sessions_by_user (
         user_id text, session_id text, device_id int, PRIMARY KEY (user_id, session_id))`,
      `CREATE TABLE IF NOT EXISTS ${ks}.refresh_tokens (
         hash blob PRIMARY KEY, session_id text, used boolean, replaced_by blob)`,
    ],
  },
  {
    version: 2,
    description: 'last-resort KeyPackages: one row per device, never consumed',
    statements: (ks) => [
      `CREATE TABLE IF NOT EXISTS ${ks}.last_resort_key_packages (
         user_id text, device_id int, reference blob, key_package blob, not_after timestamp,
         PRIMARY KEY ((user_id, device_id)))`,
    ],
  },
];

/** Linked devices take ids 2..127 (libsignal's range); 1 is the primary. */
const maxDeviceId = 127;
/** Compare-and-set attempts before giving up with CqlContentionError. */
const maxAttempts = 40;
/** Statements in flight at once for one bulk write. */
const writeConcurrency = 16;
/** Partitions per `IN` of a batch read, and such reads in flight at once. */
const inChunkSize = 100;
const readConcurrency = 8;

type OneTimeKind = 'ec' | 'kyber';

export type ScyllaAuthStoreOptions = CqlStoreOptions;

/**
 * The distributed AuthStore on ScyllaDB (or Cassandra). Where the SQLite adapter uses one
 * transaction, this one uses a lightweight transaction for the decision (who gets the username,
 * the device id, the key, the rotation) and orders the other writes so that a crash in between
 * leaves nothing a reader can see half-done:
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
export class ScyllaAuthStore implements AuthStore {
  private readonly ks: string;

  constructor(
    private readonly db: CqlSession,
    keyspace: string,
  ) {
    this.ks = keyspace;
  }

  /** Connects (in the background, retrying) to the configured cluster and migrates the keyspace. */
  static open(options: ScyllaAuthStoreOptions): ScyllaAuthStore {
    const { keyspace, session } = openKeyspaceSession({
      database: options.database,
      subgraph: 'auth',
      migrations,
      logger: options.logger,
      ...(options.tuning ? { tuning: options.tuning } : {}),
    });
    return new ScyllaAuthStore(session, keyspace);
  }

  /** Resolves once connected and migrated (for tests and tools; the service relies on /health). */
  ready(timeoutMs?: number): Promise<void> {
    return this.db.ready(timeoutMs);
  }

  // --- accounts ---

  async createUser(user: UserRecord, device: NewDevice): Promise<DeviceRecord> {
    await this.db.execute(
      `INSERT INTO ${this.ks}.users (id, username, password_hash, created_at) VALUES (?, ?, ?, ?)`,
      [user.id, user.username, user.passwordHash, user.createdAt],
    );
    // One partition: the device row and the partition's generation (0) are written together.
    await this.db.batch(
      [
        {
          query: `INSERT INTO ${this.ks}.devices ${deviceColumns} VALUES ${devicePlaceholders}`,
          params: deviceValues(user.id, 1, device, user.createdAt),
        },
        {
          query: `UPDATE ${this.ks}.devices SET generation = 0 WHERE user_id = ?`,
          params: [user.id],
        },
      ],
      { logged: false },
    );
    await this.insertOneTimeKeys(user.id, 1, device.preKeys, device.kyberPreKeys);

    if (!(await this.claimUsername(user))) {
      await this.discardUser(user.id);
      throw new UsernameTakenError();
    }
    return newDeviceRecord(user.id, 1, device, user.createdAt);
  }

  async findUserById(id: string): Promise<UserRecord | null> {
    const row = (
      await this.db.execute(
        `SELECT id, username, password_hash, created_at FROM ${this.ks}.users WHERE id = ?`,
        [id],
      )
    ).first();
    return row ? toUser(row) : null;
  }

  async findUsersByIds(ids: readonly string[]): Promise<UserRecord[]> {
    const chunks = await mapLimited(inChunks(ids, inChunkSize), readConcurrency, async (chunk) =>
      (
        await this.db.execute(
          `SELECT id, username, password_hash, created_at FROM ${this.ks}.users WHERE id IN ?`,
          [chunk],
        )
      ).rows.flatMap((row) => {
        const user = toUser(row);
        return user ? [user] : [];
      }),
    );
    return chunks.flat();
  }

  async findUserByUsername(username: string): Promise<UserRecord | null> {
    const owner = await this.usernameOwner(username, consistency.localQuorum);
    if (owner === null) return null;
    const user = await this.findUserById(owner);
    return user?.username === username ? user : null;
  }

  // --- devices ---

  async addDevice(
    userId: string,
    device: NewDevice,
    maxDevices: number,
    now: Date,
  ): Promise<DeviceRecord> {
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
      if (used.length >= maxDevices) throw new DeviceLimitError();
      let deviceId = 2;
      while (used.includes(deviceId)) deviceId++;
      if (deviceId > maxDeviceId) throw new DeviceLimitError();

      const outcome = await conditionalBatch(
        this.db,
        [
          {
            query: `UPDATE ${this.ks}.devices SET generation = ? WHERE user_id = ? IF generation = ?`,
            params: [(generation ?? 0) + 1, userId, generation],
          },
          {
            query: `INSERT INTO ${this.ks}.devices ${deviceColumns} VALUES ${devicePlaceholders}`,
            params: deviceValues(userId, deviceId, device, now),
          },
        ],
        async () => {
          const current = await this.deviceRow(userId, deviceId, consistency.localSerial);
          const key = current && cells.optionalBytes(current, 'identity_key');
          return key ? Buffer.from(key).equals(device.identityKey) : false;
        },
      );
      if (outcome.applied) {
        await this.insertOneTimeKeys(userId, deviceId, device.preKeys, device.kyberPreKeys);
        return newDeviceRecord(userId, deviceId, device, now);
      }
      await contentionPause(attempt);
    }
    throw new CqlContentionError('adding a device');
  }

  async findDevice(userId: string, deviceId: number): Promise<DeviceRecord | null> {
    const row = await this.deviceRow(userId, deviceId, consistency.localQuorum);
    return row ? toDevice(row) : null;
  }

  async listDevices(userId: string): Promise<DeviceRecord[]> {
    return (await this.deviceRows(userId)).map(({ device }) => device);
  }

  /** One single-partition read per user (`device_id IN`), issued together. */
  async findDevices(keys: readonly DeviceKey[]): Promise<DeviceRecord[]> {
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

  async listDevicesOfUsers(userIds: readonly string[]): Promise<DeviceRecord[]> {
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

  async touchDevice(userId: string, deviceId: number, at: Date): Promise<void> {
    await this.db.execute(
      `UPDATE ${this.ks}.devices SET last_seen_at = ? WHERE user_id = ? AND device_id = ?`,
      [at, userId, deviceId],
    );
  }

  async removeDevice(userId: string, deviceId: number): Promise<string[]> {
    const sessionIds = (await this.userSessions(userId))
      .filter((entry) => entry.deviceId === deviceId)
      .map((entry) => entry.sessionId);
    await this.db.batch(
      [
        {
          query: `DELETE FROM ${this.ks}.devices WHERE user_id = ? AND device_id = ?`,
          params: [userId, deviceId],
        },
        ...(['ec', 'kyber'] as const).map((kind) => ({
          query: `DELETE FROM ${this.ks}.one_time_prekeys WHERE user_id = ? AND device_id = ? AND kind = ?`,
          params: [userId, deviceId, kind],
        })),
        {
          query: `DELETE FROM ${this.ks}.key_packages WHERE user_id = ? AND device_id = ?`,
          params: [userId, deviceId],
        },
        {
          query: `DELETE FROM ${this.ks}.last_resort_key_packages WHERE user_id = ? AND device_id = ?`,
          params: [userId, deviceId],
        },
        ...sessionIds.flatMap((sessionId) => this.sessionDeletes(userId, sessionId)),
      ],
      { logged: true },
    );
    return sessionIds;
  }

  // --- Signal keys ---

  async storeDeviceKeys(userId: string, deviceId: number, upload: DeviceKeyUpload): Promise<void> {
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
    await this.insertOneTimeKeys(userId, deviceId, upload.preKeys, upload.kyberPreKeys);
  }

  async existingOneTimeKeyIds(
    userId: string,
    deviceId: number,
    kind: OneTimeKind,
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

  async countPreKeys(userId: string, deviceId: number): Promise<PreKeyCounts> {
    const count = async (kind: OneTimeKind) =>
      (await this.unclaimedKeys(userId, deviceId, kind, null)).length;
    const [ecOneTime, kyberOneTime] = await Promise.all([count('ec'), count('kyber')]);
    return { ecOneTime, kyberOneTime };
  }

  async claimBundles(
    userId: string,
    deviceIds: readonly number[] | null,
  ): Promise<ClaimedBundle[]> {
    const devices = (await this.deviceRows(userId)).filter(
      ({ device }) => deviceIds === null || deviceIds.includes(device.deviceId),
    );
    return Promise.all(devices.map(({ device, row }) => this.claimBundle(device, row)));
  }

  // --- MLS KeyPackages ---

  async storeKeyPackages(
    userId: string,
    deviceId: number,
    packages: readonly NewKeyPackage[],
  ): Promise<number> {
    const lastResort = packages.filter((entry) => entry.lastResort);
    const ordinary = packages.filter((entry) => !entry.lastResort);
    let stored = 0;
    for (const entry of lastResort)
      stored += await this.storeLastResortKeyPackage(userId, deviceId, entry);
    return stored + (await this.storeOrdinaryKeyPackages(userId, deviceId, ordinary));
  }

  private async storeLastResortKeyPackage(
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

  private async storeOrdinaryKeyPackages(
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

  async countKeyPackages(userId: string, deviceId: number, now: Date): Promise<number> {
    return (await this.unclaimedKeyPackages(userId, deviceId, now)).length;
  }

  async claimKeyPackages(userId: string, now: Date): Promise<ClaimedKeyPackage[]> {
    const devices = await this.listDevices(userId);
    const claimed = await Promise.all(
      devices.map(async ({ deviceId }) => {
        const keyPackage =
          (await this.claimKeyPackage(userId, deviceId, now)) ??
          (await this.lastResortKeyPackage(userId, deviceId, now));
        return keyPackage ? [{ userId, deviceId, keyPackage }] : [];
      }),
    );
    return claimed.flat();
  }

  // --- sessions ---

  async createSession(session: SessionRecord, refreshTokenHash: Uint8Array): Promise<void> {
    await this.db.batch(
      [
        {
          query: `INSERT INTO ${this.ks}.sessions (id, user_id, device_id, created_at, last_used_at, expires_at)
                  VALUES (?, ?, ?, ?, ?, ?)`,
          params: [
            session.id,
            session.userId,
            session.deviceId,
            session.createdAt,
            session.lastUsedAt,
            session.expiresAt,
          ],
        },
        {
          query: `INSERT INTO ${this.ks}.sessions_by_user (user_id, session_id, device_id) VALUES (?, ?, ?)`,
          params: [session.userId, session.id, session.deviceId],
        },
        this.refreshTokenInsert(refreshTokenHash, session.id, session.expiresAt),
      ],
      { logged: true },
    );
  }

  async findSession(id: string): Promise<SessionRecord | null> {
    const row = (
      await this.db.execute(`SELECT * FROM ${this.ks}.sessions WHERE id = ?`, [id])
    ).first();
    return row ? toSession(row) : null;
  }

  async listSessions(userId: string, now: Date): Promise<SessionRecord[]> {
    const entries = await this.userSessions(userId);
    const sessions = await mapLimited(entries, writeConcurrency, (entry) =>
      this.findSession(entry.sessionId),
    );
    return sessions
      .flatMap((session) => (session && session.expiresAt > now ? [session] : []))
      .sort((a, b) => a.createdAt.getTime() - b.createdAt.getTime() || (a.id < b.id ? -1 : 1));
  }

  async rotateRefreshToken(
    presentedHash: Uint8Array,
    nextHash: Uint8Array,
    now: Date,
    expiresAt: Date,
  ): Promise<RefreshOutcome> {
    const token = (
      await this.db.execute(
        `SELECT session_id, used FROM ${this.ks}.refresh_tokens WHERE hash = ?`,
        [presentedHash],
      )
    ).first();
    const sessionId = token ? cells.optionalText(token, 'session_id') : null;
    const session = sessionId === null ? null : await this.findSession(sessionId);
    if (!token || !session) return { kind: 'unknown' };
    if (cells.bool(token, 'used')) return this.revokeForReuse(session);
    if (session.expiresAt <= now) {
      await this.deleteSessionRows(session.userId, session.id);
      return { kind: 'unknown' };
    }

    // The compare-and-set: only one presenter turns `used` from false to true. Used tokens live
    // as long as the session may, so a late replay is still recognised as reuse.
    const swap = await conditional(
      this.db,
      `UPDATE ${this.ks}.refresh_tokens USING TTL ? SET used = true, replaced_by = ?, session_id = ?
       WHERE hash = ? IF used = false`,
      [ttlSeconds(expiresAt, now), nextHash, session.id, presentedHash],
      async () => {
        const row = (
          await this.db.execute(
            `SELECT replaced_by FROM ${this.ks}.refresh_tokens WHERE hash = ?`,
            [presentedHash],
            { consistency: consistency.localSerial },
          )
        ).first();
        const replacedBy = row && cells.optionalBytes(row, 'replaced_by');
        return replacedBy ? Buffer.from(replacedBy).equals(nextHash) : false;
      },
    );
    if (!swap.applied) return this.revokeForReuse(session);

    // The session row is updated, never re-created: if a concurrent reuse deleted it meanwhile,
    // the partial row this may leave lacks user_id and reads as absent.
    await this.db.batch(
      [
        this.refreshTokenInsert(nextHash, session.id, expiresAt, now),
        {
          query: `UPDATE ${this.ks}.sessions SET last_used_at = ?, expires_at = ? WHERE id = ?`,
          params: [now, expiresAt, session.id],
        },
      ],
      { logged: true },
    );
    return { kind: 'rotated', session: { ...session, lastUsedAt: now, expiresAt } };
  }

  async deleteSession(userId: string, sessionId: string): Promise<boolean> {
    const session = await this.findSession(sessionId);
    if (!session || session.userId !== userId) return false;
    await this.deleteSessionRows(userId, sessionId);
    return true;
  }

  async ping(): Promise<void> {
    await this.db.ping();
  }

  async close(): Promise<void> {
    await this.db.close();
  }

  // --- internals ---

  /** True when the username is now this user's (also when an earlier, timed-out attempt won it). */
  private async claimUsername(user: UserRecord): Promise<boolean> {
    for (let attempt = 0; attempt < maxAttempts; attempt++) {
      const outcome = await conditional(
        this.db,
        `INSERT INTO ${this.ks}.usernames (username, user_id) VALUES (?, ?) IF NOT EXISTS`,
        [user.username, user.id],
        async () => (await this.usernameOwner(user.username, consistency.localSerial)) === user.id,
      );
      if (outcome.applied) return true;
      const owner = outcome.current
        ? cells.optionalText(outcome.current, 'user_id')
        : await this.usernameOwner(user.username, consistency.localSerial);
      if (owner !== null) return owner === user.id;
      // Neither ours nor anyone's: our proposal lost a Paxos round that nobody finished. Again.
      await contentionPause(attempt);
    }
    throw new CqlContentionError('claiming a username');
  }

  private async usernameOwner(username: string, readConsistency: number): Promise<string | null> {
    const row = (
      await this.db.execute(
        `SELECT user_id FROM ${this.ks}.usernames WHERE username = ?`,
        [username],
        { consistency: readConsistency },
      )
    ).first();
    return row ? cells.optionalText(row, 'user_id') : null;
  }

  /** Deletes what a createUser that lost its username wrote; nothing points at it. */
  private async discardUser(userId: string): Promise<void> {
    await this.db.batch(
      [
        { query: `DELETE FROM ${this.ks}.users WHERE id = ?`, params: [userId] },
        { query: `DELETE FROM ${this.ks}.devices WHERE user_id = ?`, params: [userId] },
        ...(['ec', 'kyber'] as const).map((kind) => ({
          query: `DELETE FROM ${this.ks}.one_time_prekeys WHERE user_id = ? AND device_id = 1 AND kind = ?`,
          params: [userId, kind],
        })),
      ],
      { logged: true },
    );
  }

  private async deviceRow(userId: string, deviceId: number, readConsistency: number) {
    const row = (
      await this.db.execute(
        `SELECT * FROM ${this.ks}.devices WHERE user_id = ? AND device_id = ?`,
        [userId, deviceId],
        { consistency: readConsistency },
      )
    ).first();
    return row && cells.optionalBytes(row, 'identity_key') !== null ? row : null;
  }

  private async insertOneTimeKeys(
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

  /** Unclaimed one-time keys of a device and kind, lowest id first (`limit` null: all). */
  private async unclaimedKeys(
    userId: string,
    deviceId: number,
    kind: OneTimeKind,
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
          [userId, deviceId, kind, after, limit ?? 1000],
        )
      ).rows;
      for (const row of page) {
        if (cells.optionalText(row, 'claimed_by') === null) rows.push(row);
        after = cells.int(row, 'key_id');
      }
      if (page.length < (limit ?? 1000) || (limit !== null && rows.length >= limit)) {
        return limit === null ? rows : rows.slice(0, limit);
      }
    }
  }

  /**
   * Hands one one-time key of the kind to this caller only (see `claimOne`). Racers start at random
   * candidates among the lowest ids, so they rarely want the same key.
   */
  private claimOneTimeKey(
    userId: string,
    deviceId: number,
    kind: OneTimeKind,
  ): Promise<Row | null> {
    return claimOne(
      this.db,
      {
        table: `${this.ks}.one_time_prekeys`,
        keyColumns: ['user_id', 'device_id', 'kind', 'key_id'],
        presentColumn: 'public_key',
      },
      {
        candidates: async () => {
          const rows = await this.unclaimedKeys(userId, deviceId, kind, 16);
          const start = rows.length === 0 ? 0 : randomInt(rows.length);
          return [...rows.slice(start), ...rows.slice(0, start)];
        },
        keyOf: (row) => [userId, deviceId, kind, cells.int(row, 'key_id')],
        what: `claiming a ${kind} one-time prekey`,
      },
    );
  }

  /** The user's devices (partial rows skipped), by id, with their rows (which hold the signed keys). */
  private async deviceRows(userId: string): Promise<{ device: DeviceRecord; row: Row }[]> {
    const rows = (
      await this.db.execute(`SELECT * FROM ${this.ks}.devices WHERE user_id = ?`, [userId])
    ).rows;
    return rows.flatMap((row) => {
      const device = toDevice(row);
      return device ? [{ device, row }] : [];
    });
  }

  private async claimBundle(device: DeviceRecord, row: Row): Promise<ClaimedBundle> {
    const signedPreKey = signedKey(row, 'signed_prekey');
    const lastResort = signedKey(row, 'kyber_last_resort');
    if (!signedPreKey || !lastResort)
      throw new Error(`device ${device.userId}.${device.deviceId} has no signed keys`);
    const [preKey, kyber] = await Promise.all([
      this.claimOneTimeKey(device.userId, device.deviceId, 'ec'),
      this.claimOneTimeKey(device.userId, device.deviceId, 'kyber'),
    ]);
    return {
      device,
      signedPreKey,
      preKey: preKey
        ? { keyId: cells.int(preKey, 'key_id'), publicKey: cells.bytes(preKey, 'public_key') }
        : null,
      kyberPreKey: kyber
        ? {
            keyId: cells.int(kyber, 'key_id'),
            publicKey: cells.bytes(kyber, 'public_key'),
            signature: cells.optionalBytes(kyber, 'signature') ?? new Uint8Array(),
          }
        : lastResort,
    };
  }

  /** Unexpired, unclaimed KeyPackages of a device, oldest upload first. */
  private async unclaimedKeyPackages(userId: string, deviceId: number, now: Date): Promise<Row[]> {
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

  /** The device's unexpired last-resort KeyPackage, left in place. */
  private async lastResortKeyPackage(
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

  /** One KeyPackage of the device, oldest first, claimed like a one-time prekey. */
  private async claimKeyPackage(
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
        candidates: () => this.unclaimedKeyPackages(userId, deviceId, now),
        keyOf: (candidate) => [userId, deviceId, cells.bytes(candidate, 'reference')],
        what: 'claiming a KeyPackage',
      },
    );
    return row ? cells.bytes(row, 'key_package') : null;
  }

  private async userSessions(
    userId: string,
  ): Promise<{ sessionId: string; deviceId: number | null }[]> {
    const rows = (
      await this.db.execute(
        `SELECT session_id, device_id FROM ${this.ks}.sessions_by_user WHERE user_id = ?`,
        [userId],
      )
    ).rows;
    return rows.map((row) => ({
      sessionId: cells.text(row, 'session_id'),
      deviceId: cells.optionalInt(row, 'device_id'),
    }));
  }

  private sessionDeletes(userId: string, sessionId: string): BatchStatement[] {
    return [
      { query: `DELETE FROM ${this.ks}.sessions WHERE id = ?`, params: [sessionId] },
      {
        query: `DELETE FROM ${this.ks}.sessions_by_user WHERE user_id = ? AND session_id = ?`,
        params: [userId, sessionId],
      },
    ];
  }

  private async deleteSessionRows(userId: string, sessionId: string): Promise<void> {
    await this.db.batch(this.sessionDeletes(userId, sessionId), { logged: true });
  }

  private async revokeForReuse(session: SessionRecord): Promise<RefreshOutcome> {
    await this.deleteSessionRows(session.userId, session.id);
    return { kind: 'reused', sessionId: session.id, userId: session.userId };
  }

  private refreshTokenInsert(
    hash: Uint8Array,
    sessionId: string,
    expiresAt: Date,
    now: Date = new Date(),
  ): BatchStatement {
    return {
      query: `INSERT INTO ${this.ks}.refresh_tokens (hash, session_id, used) VALUES (?, ?, false) USING TTL ?`,
      params: [hash, sessionId, ttlSeconds(expiresAt, now)],
    };
  }
}

const deviceColumns = `(user_id, device_id, registration_id, name, identity_key, created_at, last_seen_at,
  signed_prekey_id, signed_prekey, signed_prekey_signature,
  kyber_last_resort_id, kyber_last_resort, kyber_last_resort_signature)`;
const devicePlaceholders = '(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)';

function deviceValues(userId: string, deviceId: number, device: NewDevice, now: Date): unknown[] {
  return [
    userId,
    deviceId,
    device.registrationId,
    device.name,
    device.identityKey,
    now,
    now,
    device.signedPreKey.keyId,
    device.signedPreKey.publicKey,
    device.signedPreKey.signature,
    device.kyberLastResortPreKey.keyId,
    device.kyberLastResortPreKey.publicKey,
    device.kyberLastResortPreKey.signature,
  ];
}

function newDeviceRecord(
  userId: string,
  deviceId: number,
  device: NewDevice,
  now: Date,
): DeviceRecord {
  return {
    userId,
    deviceId,
    registrationId: device.registrationId,
    name: device.name,
    identityKey: device.identityKey,
    createdAt: now,
    lastSeenAt: now,
  };
}

/** A device row, or null for a partial row left by an update racing a removal. */
/** A `users` row without its username is a half-written account and reads as absent. */
function toUser(row: Row): UserRecord | null {
  if (cells.optionalText(row, 'username') === null) return null;
  return {
    id: cells.text(row, 'id'),
    username: cells.text(row, 'username'),
    passwordHash: cells.text(row, 'password_hash'),
    createdAt: cells.date(row, 'created_at'),
  };
}

function toDevice(row: Row): DeviceRecord | null {
  const identityKey = cells.optionalBytes(row, 'identity_key');
  if (identityKey === null) return null;
  return {
    userId: cells.text(row, 'user_id'),
    deviceId: cells.int(row, 'device_id'),
    registrationId: cells.int(row, 'registration_id'),
    name: cells.optionalText(row, 'name'),
    identityKey,
    createdAt: cells.date(row, 'created_at'),
    lastSeenAt: cells.optionalDate(row, 'last_seen_at'),
  };
}

function signedKey(
  row: Row,
  prefix: 'signed_prekey' | 'kyber_last_resort',
): SignedPreKeyRecord | null {
  const keyId = cells.optionalInt(row, `${prefix}_id`);
  const publicKey = cells.optionalBytes(row, prefix);
  const signature = cells.optionalBytes(row, `${prefix}_signature`);
  return keyId === null || !publicKey || !signature ? null : { keyId, publicKey, signature };
}

/** A session row, or null for a partial row left by a rotation racing a revocation. */
function toSession(row: Row): SessionRecord | null {
  const userId = cells.optionalText(row, 'user_id');
  if (userId === null) return null;
  return {
    id: cells.text(row, 'id'),
    userId,
    deviceId: cells.int(row, 'device_id'),
    createdAt: cells.date(row, 'created_at'),
    lastUsedAt: cells.date(row, 'last_used_at'),
    expiresAt: cells.date(row, 'expires_at'),
  };
}
