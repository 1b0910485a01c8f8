import { openSqlite, type SqliteDatabase } from '../../shared/sqlite/index.js';
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

const migrations = [
  `
  CREATE TABLE users (
    id TEXT PRIMARY KEY,
    username TEXT NOT NULL UNIQUE,
    password_hash TEXT NOT NULL,
    created_at INTEGER NOT NULL
  );
  CREATE TABLE devices (
    user_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    device_id INTEGER NOT NULL,
    registration_id INTEGER NOT NULL,
    name TEXT,
    identity_key BLOB NOT NULL,
    created_at INTEGER NOT NULL,
    last_seen_at INTEGER,
    PRIMARY KEY (user_id, device_id)
  );
  -- kind: 'ec' (signed EC prekey) or 'kyber_last_resort'; one of each per device.
  CREATE TABLE signed_prekeys (
    user_id TEXT NOT NULL,
    device_id INTEGER NOT NULL,
    kind TEXT NOT NULL,
    key_id INTEGER NOT NULL,
    public_key BLOB NOT NULL,
    signature BLOB NOT NULL,
    PRIMARY KEY (user_id, device_id, kind),
    FOREIGN KEY (user_id, device_id) REFERENCES devices(user_id, device_id) ON DELETE CASCADE
  );
  -- kind: 'ec' (no signature) or 'kyber' (signed); each row is handed out once.
  CREATE TABLE one_time_prekeys (
    user_id TEXT NOT NULL,
    device_id INTEGER NOT NULL,
    kind TEXT NOT NULL,
    key_id INTEGER NOT NULL,
    public_key BLOB NOT NULL,
    signature BLOB,
    PRIMARY KEY (user_id, device_id, kind, key_id),
    FOREIGN KEY (user_id, device_id) REFERENCES devices(user_id, device_id) ON DELETE CASCADE
  );
  CREATE TABLE key_packages (
    user_id TEXT NOT NULL,
    device_id INTEGER NOT NULL,
    reference BLOB NOT NULL,
    key_package BLOB NOT NULL,
    not_after INTEGER NOT NULL,
    uploaded_seq INTEGER NOT NULL,
    PRIMARY KEY (user_id, device_id, reference),
    FOREIGN KEY (user_id, device_id) REFERENCES devices(user_id, device_id) ON DELETE CASCADE
  );
  CREATE TABLE sessions (
    id TEXT PRIMARY KEY,
    user_id TEXT NOT NULL,
    device_id INTEGER NOT NULL,
    created_at INTEGER NOT NULL,
    last_used_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL,
    FOREIGN KEY (user_id, device_id) REFERENCES devices(user_id, device_id) ON DELETE CASCADE
  );
  CREATE INDEX sessions_by_user ON sessions (user_id);
  -- Every refresh token a session was given; used ones stay to detect reuse.
  CREATE TABLE refresh_tokens (
    hash BLOB PRIMARY KEY,
    session_id TEXT NOT NULL REFERENCES sessions(id) ON DELETE CASCADE,
    used INTEGER NOT NULL DEFAULT 0
  );
  CREATE INDEX refresh_tokens_by_session ON refresh_tokens (session_id);
  `,
  `
  -- RFC 9420 last_resort KeyPackages: at most one per device, handed out without being consumed.
  ALTER TABLE key_packages ADD COLUMN last_resort INTEGER NOT NULL DEFAULT 0;
  CREATE UNIQUE INDEX key_packages_last_resort ON key_packages (user_id, device_id) WHERE last_resort = 1;
  `,
];

interface UserRow {
  id: string;
  username: string;
  password_hash: string;
  created_at: number;
}
interface DeviceRow {
  user_id: string;
  device_id: number;
  registration_id: number;
  name: string | null;
  identity_key: Buffer;
  created_at: number;
  last_seen_at: number | null;
}
interface KeyRow {
  key_id: number;
  public_key: Buffer;
  signature: Buffer | null;
}
interface SessionRow {
  id: string;
  user_id: string;
  device_id: number;
  created_at: number;
  last_used_at: number;
  expires_at: number;
}

const bytes = (buffer: Buffer): Uint8Array => new Uint8Array(buffer);

function toUser(row: UserRow): UserRecord {
  return {
    id: row.id,
    username: row.username,
    passwordHash: row.password_hash,
    createdAt: new Date(row.created_at),
  };
}
function toDevice(row: DeviceRow): DeviceRecord {
  return {
    userId: row.user_id,
    deviceId: row.device_id,
    registrationId: row.registration_id,
    name: row.name,
    identityKey: bytes(row.identity_key),
    createdAt: new Date(row.created_at),
    lastSeenAt: row.last_seen_at === null ? null : new Date(row.last_seen_at),
  };
}
function toPreKey(row: KeyRow): PreKeyRecord {
  return { keyId: row.key_id, publicKey: bytes(row.public_key) };
}
function toSignedPreKey(row: KeyRow): SignedPreKeyRecord {
  return {
    keyId: row.key_id,
    publicKey: bytes(row.public_key),
    signature: bytes(row.signature ?? Buffer.alloc(0)),
  };
}
function toSession(row: SessionRow): SessionRecord {
  return {
    id: row.id,
    userId: row.user_id,
    deviceId: row.device_id,
    createdAt: new Date(row.created_at),
    lastUsedAt: new Date(row.last_used_at),
    expiresAt: new Date(row.expires_at),
  };
}

/** Lowest device id that libsignal accepts for linked devices; 1 is the primary. */
const maxDeviceId = 127;

/** The embedded AuthStore: one SQLite file. better-sqlite3 is synchronous, so each method is atomic. */
export class SqliteAuthStore implements AuthStore {
  private readonly db: SqliteDatabase;

  constructor(file: string) {
    this.db = openSqlite(file, migrations);
  }

  async createUser(user: UserRecord, device: NewDevice): Promise<DeviceRecord> {
    // The check and the insert run in one synchronous transaction, so no other writer interleaves;
    // the UNIQUE constraint stays as a backstop.
    return this.db.transaction(() => {
      if (this.db.prepare('SELECT 1 FROM users WHERE username = ?').get(user.username)) {
        throw new UsernameTakenError();
      }
      this.db
        .prepare('INSERT INTO users (id, username, password_hash, created_at) VALUES (?, ?, ?, ?)')
        .run(user.id, user.username, user.passwordHash, user.createdAt.getTime());
      return this.insertDevice(user.id, 1, device, user.createdAt);
    })();
  }

  async findUserById(id: string): Promise<UserRecord | null> {
    const row = this.db.prepare('SELECT * FROM users WHERE id = ?').get(id) as UserRow | undefined;
    return row ? toUser(row) : null;
  }

  async findUsersByIds(ids: readonly string[]): Promise<UserRecord[]> {
    const rows = this.db
      .prepare('SELECT * FROM users WHERE id IN (SELECT value FROM json_each(?))')
      .all(JSON.stringify(ids)) as UserRow[];
    return rows.map(toUser);
  }

  async findUserByUsername(username: string): Promise<UserRecord | null> {
    const row = this.db.prepare('SELECT * FROM users WHERE username = ?').get(username) as
      UserRow | undefined;
    return row ? toUser(row) : null;
  }

  async addDevice(
    userId: string,
    device: NewDevice,
    maxDevices: number,
    now: Date,
  ): Promise<DeviceRecord> {
    return this.db.transaction(() => {
      const used = (
        this.db.prepare('SELECT device_id FROM devices WHERE user_id = ?').all(userId) as {
          device_id: number;
        }[]
      ).map((row) => row.device_id);
      if (used.length >= maxDevices) throw new DeviceLimitError();
      let deviceId = 2;
      while (used.includes(deviceId)) deviceId++;
      if (deviceId > maxDeviceId) throw new DeviceLimitError();
      return this.insertDevice(userId, deviceId, device, now);
    })();
  }

  async findDevice(userId: string, deviceId: number): Promise<DeviceRecord | null> {
    const row = this.db
      .prepare('SELECT * FROM devices WHERE user_id = ? AND device_id = ?')
      .get(userId, deviceId) as DeviceRow | undefined;
    return row ? toDevice(row) : null;
  }

  async listDevices(userId: string): Promise<DeviceRecord[]> {
    const rows = this.db
      .prepare('SELECT * FROM devices WHERE user_id = ? ORDER BY device_id')
      .all(userId) as DeviceRow[];
    return rows.map(toDevice);
  }

  async findDevices(keys: readonly DeviceKey[]): Promise<DeviceRecord[]> {
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

  async listDevicesOfUsers(userIds: readonly string[]): Promise<DeviceRecord[]> {
    const rows = this.db
      .prepare(
        `SELECT * FROM devices WHERE user_id IN (SELECT value FROM json_each(?))
         ORDER BY user_id, device_id`,
      )
      .all(JSON.stringify(userIds)) as DeviceRow[];
    return rows.map(toDevice);
  }

  async touchDevice(userId: string, deviceId: number, at: Date): Promise<void> {
    this.db
      .prepare('UPDATE devices SET last_seen_at = ? WHERE user_id = ? AND device_id = ?')
      .run(at.getTime(), userId, deviceId);
  }

  async removeDevice(userId: string, deviceId: number): Promise<string[]> {
    return this.db.transaction(() => {
      const sessions = this.db
        .prepare('SELECT id FROM sessions WHERE user_id = ? AND device_id = ?')
        .all(userId, deviceId) as { id: string }[];
      // Keys, KeyPackages, sessions and refresh tokens go with the device (ON DELETE CASCADE).
      this.db
        .prepare('DELETE FROM devices WHERE user_id = ? AND device_id = ?')
        .run(userId, deviceId);
      return sessions.map((session) => session.id);
    })();
  }

  async storeDeviceKeys(userId: string, deviceId: number, upload: DeviceKeyUpload): Promise<void> {
    this.db.transaction(() => this.writeKeys(userId, deviceId, upload))();
  }

  async existingOneTimeKeyIds(
    userId: string,
    deviceId: number,
    kind: 'ec' | 'kyber',
    keyIds: readonly number[],
  ): Promise<number[]> {
    if (keyIds.length === 0) return [];
    const rows = this.db
      .prepare(
        `SELECT key_id FROM one_time_prekeys WHERE user_id = ? AND device_id = ? AND kind = ?
         AND key_id IN (SELECT value FROM json_each(?))`,
      )
      .all(userId, deviceId, kind, JSON.stringify(keyIds)) as { key_id: number }[];
    return rows.map((row) => row.key_id);
  }

  async countPreKeys(userId: string, deviceId: number): Promise<PreKeyCounts> {
    const rows = this.db
      .prepare(
        'SELECT kind, COUNT(*) AS count FROM one_time_prekeys WHERE user_id = ? AND device_id = ? GROUP BY kind',
      )
      .all(userId, deviceId) as { kind: string; count: number }[];
    const count = (kind: string) => rows.find((row) => row.kind === kind)?.count ?? 0;
    return { ecOneTime: count('ec'), kyberOneTime: count('kyber') };
  }

  async claimBundles(
    userId: string,
    deviceIds: readonly number[] | null,
  ): Promise<ClaimedBundle[]> {
    return this.db.transaction(() => {
      const devices = (
        this.db
          .prepare('SELECT * FROM devices WHERE user_id = ? ORDER BY device_id')
          .all(userId) as DeviceRow[]
      )
        .map(toDevice)
        .filter((device) => deviceIds === null || deviceIds.includes(device.deviceId));
      return devices.map((device) => this.claimBundle(device));
    })();
  }

  async storeKeyPackages(
    userId: string,
    deviceId: number,
    packages: readonly NewKeyPackage[],
  ): Promise<number> {
    return this.db.transaction(() => {
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
    })();
  }

  async countKeyPackages(userId: string, deviceId: number, now: Date): Promise<number> {
    const row = this.db
      .prepare(
        `SELECT COUNT(*) AS count FROM key_packages
         WHERE user_id = ? AND device_id = ? AND last_resort = 0 AND not_after > ?`,
      )
      .get(userId, deviceId, now.getTime()) as { count: number };
    return row.count;
  }

  async claimKeyPackages(userId: string, now: Date): Promise<ClaimedKeyPackage[]> {
    return this.db.transaction(() => {
      this.db
        .prepare('DELETE FROM key_packages WHERE user_id = ? AND not_after <= ?')
        .run(userId, now.getTime());
      const devices = this.db
        .prepare('SELECT device_id FROM devices WHERE user_id = ? ORDER BY device_id')
        .all(userId) as { device_id: number }[];
      const take = this.db.prepare(
        `DELETE FROM key_packages WHERE rowid = (
           SELECT rowid FROM key_packages WHERE user_id = ? AND device_id = ? AND last_resort = 0
           ORDER BY uploaded_seq LIMIT 1)
         RETURNING key_package`,
      );
      const lastResort = this.db.prepare(
        'SELECT key_package FROM key_packages WHERE user_id = ? AND device_id = ? AND last_resort = 1',
      );
      return devices.flatMap(({ device_id: deviceId }) => {
        const row = (take.get(userId, deviceId) ?? lastResort.get(userId, deviceId)) as
          { key_package: Buffer } | undefined;
        return row ? [{ userId, deviceId, keyPackage: bytes(row.key_package) }] : [];
      });
    })();
  }

  async createSession(session: SessionRecord, refreshTokenHash: Uint8Array): Promise<void> {
    this.db.transaction(() => {
      this.db
        .prepare(
          'INSERT INTO sessions (id, user_id, device_id, created_at, last_used_at, expires_at) VALUES (?, ?, ?, ?, ?, ?)',
        )
        .run(
          session.id,
          session.userId,
          session.deviceId,
          session.createdAt.getTime(),
          session.lastUsedAt.getTime(),
          session.expiresAt.getTime(),
        );
      this.db
        .prepare('INSERT INTO refresh_tokens (hash, session_id) VALUES (?, ?)')
        .run(refreshTokenHash, session.id);
    })();
  }

  async findSession(id: string): Promise<SessionRecord | null> {
    const row = this.db.prepare('SELECT * FROM sessions WHERE id = ?').get(id) as
      SessionRow | undefined;
    return row ? toSession(row) : null;
  }

  async listSessions(userId: string, now: Date): Promise<SessionRecord[]> {
    const rows = this.db
      .prepare('SELECT * FROM sessions WHERE user_id = ? AND expires_at > ? ORDER BY created_at')
      .all(userId, now.getTime()) as SessionRow[];
    return rows.map(toSession);
  }

  async rotateRefreshToken(
    presentedHash: Uint8Array,
    nextHash: Uint8Array,
    now: Date,
    expiresAt: Date,
  ): Promise<RefreshOutcome> {
    return this.db.transaction((): RefreshOutcome => {
      const token = this.db
        .prepare(
          `SELECT t.used, s.* FROM refresh_tokens t JOIN sessions s ON s.id = t.session_id WHERE t.hash = ?`,
        )
        .get(presentedHash) as (SessionRow & { used: number }) | undefined;
      if (!token) return { kind: 'unknown' };
      if (token.used !== 0) {
        this.db.prepare('DELETE FROM sessions WHERE id = ?').run(token.id);
        return { kind: 'reused', sessionId: token.id, userId: token.user_id };
      }
      if (token.expires_at <= now.getTime()) {
        this.db.prepare('DELETE FROM sessions WHERE id = ?').run(token.id);
        return { kind: 'unknown' };
      }
      this.db.prepare('UPDATE refresh_tokens SET used = 1 WHERE hash = ?').run(presentedHash);
      this.db
        .prepare('INSERT INTO refresh_tokens (hash, session_id) VALUES (?, ?)')
        .run(nextHash, token.id);
      this.db
        .prepare('UPDATE sessions SET last_used_at = ?, expires_at = ? WHERE id = ?')
        .run(now.getTime(), expiresAt.getTime(), token.id);
      return {
        kind: 'rotated',
        session: toSession({
          ...token,
          last_used_at: now.getTime(),
          expires_at: expiresAt.getTime(),
        }),
      };
    })();
  }

  async deleteSession(userId: string, sessionId: string): Promise<boolean> {
    return (
      this.db.prepare('DELETE FROM sessions WHERE id = ? AND user_id = ?').run(sessionId, userId)
        .changes > 0
    );
  }

  async ping(): Promise<void> {
    this.db.prepare('SELECT 1').get();
  }

  async close(): Promise<void> {
    if (this.db.open) this.db.close();
  }

  private insertDevice(
    userId: string,
    deviceId: number,
    device: NewDevice,
    now: Date,
  ): DeviceRecord {
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
    this.writeKeys(userId, deviceId, {
      signedPreKey: device.signedPreKey,
      kyberLastResortPreKey: device.kyberLastResortPreKey,
      preKeys: device.preKeys,
      kyberPreKeys: device.kyberPreKeys,
    });
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

  private writeKeys(userId: string, deviceId: number, upload: DeviceKeyUpload): void {
    const putSigned = this.db.prepare(
      `INSERT OR REPLACE INTO signed_prekeys (user_id, device_id, kind, key_id, public_key, signature)
       VALUES (?, ?, ?, ?, ?, ?)`,
    );
    if (upload.signedPreKey) {
      const key = upload.signedPreKey;
      putSigned.run(userId, deviceId, 'ec', key.keyId, key.publicKey, key.signature);
    }
    if (upload.kyberLastResortPreKey) {
      const key = upload.kyberLastResortPreKey;
      putSigned.run(userId, deviceId, 'kyber_last_resort', key.keyId, key.publicKey, key.signature);
    }
    const putOneTime = this.db.prepare(
      `INSERT INTO one_time_prekeys (user_id, device_id, kind, key_id, public_key, signature) VALUES (?, ?, ?, ?, ?, ?)`,
    );
    for (const key of upload.preKeys)
      putOneTime.run(userId, deviceId, 'ec', key.keyId, key.publicKey, null);
    for (const key of upload.kyberPreKeys) {
      putOneTime.run(userId, deviceId, 'kyber', key.keyId, key.publicKey, key.signature);
    }
  }

  private claimBundle(device: DeviceRecord): ClaimedBundle {
    const signed = (kind: string) =>
      this.db
        .prepare(
          'SELECT key_id, public_key, signature FROM signed_prekeys WHERE user_id = ? AND device_id = ? AND kind = ?',
        )
        .get(device.userId, device.deviceId, kind) as KeyRow | undefined;
    const takeOneTime = (kind: string) =>
      this.db
        .prepare(
          `DELETE FROM one_time_prekeys WHERE rowid = (
             SELECT rowid FROM one_time_prekeys WHERE user_id = ? AND device_id = ? AND kind = ? ORDER BY key_id LIMIT 1)
           RETURNING key_id, public_key, signature`,
        )
        .get(device.userId, device.deviceId, kind) as KeyRow | undefined;

    const signedPreKey = signed('ec');
    const lastResort = signed('kyber_last_resort');
    if (!signedPreKey || !lastResort)
      throw new Error(`device ${device.userId}.${device.deviceId} has no signed keys`);
    const preKey = takeOneTime('ec');
    const kyber = takeOneTime('kyber') ?? lastResort;
    return {
      device,
      signedPreKey: toSignedPreKey(signedPreKey),
      preKey: preKey ? toPreKey(preKey) : null,
      kyberPreKey: toSignedPreKey(kyber),
    };
  }
}
