import { BadUserInputError, PayloadTooLargeError } from '../../shared/errors/index.js';

/** 3 to 32 of [a-z0-9_.], compared case-insensitively (stored lower-cased). */
const usernamePattern = /^[a-z0-9_.]{3,32}$/;
export const minPasswordLength = 8;
export const maxPasswordBytes = 1024;
export const maxDeviceNameLength = 64;
/** Most keys (of one kind) or KeyPackages accepted in one upload. */
export const maxKeysPerUpload = 100;

const maxUsernameLength = 32;

/**
 * The canonical (lower-cased) username, or BAD_USER_INPUT naming the rule. Every operation that
 * takes a username calls this first, so an oversized one is refused before anything keeps it.
 */
export function normalizeUsername(username: string): string {
  const normalized = username.length > maxUsernameLength ? username : username.toLowerCase();
  if (!usernamePattern.test(normalized)) {
    throw new BadUserInputError('username must be 3 to 32 characters of a-z, 0-9, "_" and "."', {
      field: 'username',
    });
  }
  return normalized;
}

/** Refuses passwords over `maxPasswordBytes` (also at login: argon2 would hash all of it). */
export function checkPasswordSize(password: string): void {
  if (
    password.length > maxPasswordBytes ||
    Buffer.byteLength(password, 'utf8') > maxPasswordBytes
  ) {
    throw new BadUserInputError(`password must be at most ${maxPasswordBytes} bytes`, {
      field: 'password',
    });
  }
}

/** The rules for a new password: its size, and at least `minPasswordLength` characters. */
export function checkPassword(password: string): void {
  checkPasswordSize(password);
  if ([...password].length < minPasswordLength) {
    throw new BadUserInputError(`password must be at least ${minPasswordLength} characters`, {
      field: 'password',
    });
  }
}

export function normalizeDeviceName(name: string | null | undefined): string | null {
  if (name === null || name === undefined) return null;
  const trimmed = name.trim();
  if ([...trimmed].length > maxDeviceNameLength) {
    throw new BadUserInputError(`device name must be at most ${maxDeviceNameLength} characters`, {
      field: 'name',
    });
  }
  return trimmed === '' ? null : trimmed;
}

/** Refuses lists longer than `max` with PAYLOAD_TOO_LARGE naming the field. */
export function checkListSize(
  list: readonly unknown[] | null | undefined,
  max: number,
  field: string,
): void {
  if (list && list.length > max) {
    throw new PayloadTooLargeError(`${field} may hold at most ${max} entries`, max);
  }
}

/** Refuses a list of key ids that repeats one. */
export function checkUniqueKeyIds(keys: readonly { keyId: number }[], field: string): void {
  const seen = new Set<number>();
  for (const { keyId } of keys) {
    if (seen.has(keyId)) {
      throw new BadUserInputError(`${field} repeats key id ${keyId}`, { field });
    }
    seen.add(keyId);
  }
}

const uuidPattern = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** User ids are lower-case UUIDs; anything else cannot name a user. */
export function isUserId(value: string): boolean {
  return uuidPattern.test(value);
}
