/**
 * The auth database, one SQLite file. Devices cascade: deleting one deletes its signed and one-time
 * prekeys, its KeyPackages and its sessions with their refresh tokens.
 */
export const authSqliteMigrations: readonly string[] = [
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
  `
  -- Sealed sender: the unidentified-access key beside the account (null: key-based access off).
  CREATE TABLE unidentified_access (
    user_id TEXT PRIMARY KEY REFERENCES users(id) ON DELETE CASCADE,
    access_key BLOB,
    unrestricted INTEGER NOT NULL
  );
  `,
  `
  -- Usernames of deleted accounts, by SHA-256 (store-rules.ts), refused to new accounts until then.
  CREATE TABLE username_quarantine (
    username_hash BLOB PRIMARY KEY,
    until INTEGER NOT NULL
  ) WITHOUT ROWID;
  `,
];
