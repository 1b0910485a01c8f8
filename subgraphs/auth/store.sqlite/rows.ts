import type {
  DeviceRecord,
  PreKeyRecord,
  SessionRecord,
  SignedPreKeyRecord,
  UserRecord,
} from '../store.js';

/** Rows of the auth SQLite database as better-sqlite3 returns them, and their records. */
export interface UserRow {
  id: string;
  username: string;
  password_hash: string;
  created_at: number;
}
export interface DeviceRow {
  user_id: string;
  device_id: number;
  registration_id: number;
  name: string | null;
  identity_key: Buffer;
  created_at: number;
  last_seen_at: number | null;
}
/** A signed prekey or a one-time one (`signature` null for a one-time EC key). */
export interface KeyRow {
  key_id: number;
  public_key: Buffer;
  signature: Buffer | null;
}
export interface SessionRow {
  id: string;
  user_id: string;
  device_id: number;
  created_at: number;
  last_used_at: number;
  expires_at: number;
}

export const bytes = (buffer: Buffer): Uint8Array => new Uint8Array(buffer);

export function toUser(row: UserRow): UserRecord {
  return {
    id: row.id,
    username: row.username,
    passwordHash: row.password_hash,
    createdAt: new Date(row.created_at),
  };
}
export function toDevice(row: DeviceRow): DeviceRecord {
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
export function toPreKey(row: KeyRow): PreKeyRecord {
  return { keyId: row.key_id, publicKey: bytes(row.public_key) };
}
export function toSignedPreKey(row: KeyRow): SignedPreKeyRecord {
  return {
    keyId: row.key_id,
    publicKey: bytes(row.public_key),
    signature: bytes(row.signature ?? Buffer.alloc(0)),
  };
}
export function toSession(row: SessionRow): SessionRecord {
  return {
    id: row.id,
    userId: row.user_id,
    deviceId: row.device_id,
    createdAt: new Date(row.created_at),
    lastUsedAt: new Date(row.last_used_at),
    expiresAt: new Date(row.expires_at),
  };
}
