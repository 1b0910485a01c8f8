import { cells, type Row } from '../../../shared/cql/index.js';
import type {
  DeviceRecord,
  NewDevice,
  PreKeyRecord,
  SessionRecord,
  SignedPreKeyRecord,
  UserRecord,
} from '../store.js';

/**
 * Rows of the auth keyspace and their records. A row missing its creation columns was left by an
 * update racing a delete (CQL updates are upserts) and reads as absent.
 */

/** A `users` row without its username is a half-written account and reads as absent. */
export function toUser(row: Row): UserRecord | null {
  if (cells.optionalText(row, 'username') === null) return null;
  return {
    id: cells.text(row, 'id'),
    username: cells.text(row, 'username'),
    passwordHash: cells.text(row, 'password_hash'),
    createdAt: cells.date(row, 'created_at'),
  };
}

/** A device row, or null for a partial row left by an update racing a removal. */
export function toDevice(row: Row): DeviceRecord | null {
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

/** One of the two signed keys a device row holds, by its columns' prefix; null when unset. */
export function signedKey(
  row: Row,
  prefix: 'signed_prekey' | 'kyber_last_resort',
): SignedPreKeyRecord | null {
  const keyId = cells.optionalInt(row, `${prefix}_id`);
  const publicKey = cells.optionalBytes(row, prefix);
  const signature = cells.optionalBytes(row, `${prefix}_signature`);
  return keyId === null || !publicKey || !signature ? null : { keyId, publicKey, signature };
}

/** A `one_time_prekeys` row as an EC key (its signature, null, ignored). */
export function toPreKey(row: Row): PreKeyRecord {
  return { keyId: cells.int(row, 'key_id'), publicKey: cells.bytes(row, 'public_key') };
}

/** A `one_time_prekeys` row of kind `kyber`, with its signature. */
export function toKyberPreKey(row: Row): SignedPreKeyRecord {
  return {
    ...toPreKey(row),
    signature: cells.optionalBytes(row, 'signature') ?? new Uint8Array(),
  };
}

/** A session row, or null for a partial row left by a rotation racing a revocation. */
export function toSession(row: Row): SessionRecord | null {
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

/** The columns a new device row is written with, and `deviceValues` in their order. */
export const deviceColumns = `(user_id, device_id, registration_id, name, identity_key, created_at, last_seen_at,
  signed_prekey_id, signed_prekey, signed_prekey_signature,
  kyber_last_resort_id, kyber_last_resort, kyber_last_resort_signature)`;
export const devicePlaceholders = '(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)';

export function deviceValues(
  userId: string,
  deviceId: number,
  device: NewDevice,
  now: Date,
): unknown[] {
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
