import { timingSafeEqual } from 'node:crypto';
import type { UnidentifiedAccessRecord } from './store.js';

/** The length of an unidentified-access key (Signal derives it from the profile key). */
export const accessKeyLength = 16;

/**
 * Whether `accessKey` opens sealed delivery to every one of `userIds` (Signal-Server's rule):
 * when they are all unrestricted, any key (or none) does; otherwise the key must equal the XOR of
 * the keys of those who are not unrestricted (for one recipient, that recipient's key). A user
 * with no record, or restricted with key-based access off, is never opened. The comparison runs
 * in constant time, so the answer's timing tells nothing about the stored keys.
 */
export function accessGranted(
  userIds: readonly string[],
  records: readonly UnidentifiedAccessRecord[],
  accessKey: Uint8Array | null,
): boolean {
  const byUser = new Map(records.map((record) => [record.userId, record]));
  const unique = [...new Set(userIds)];
  const restricted: Uint8Array[] = [];
  let everyoneOpen = unique.length > 0;
  for (const userId of unique) {
    const record = byUser.get(userId);
    if (!record) return false;
    if (record.unrestricted) continue;
    everyoneOpen = false;
    if (record.accessKey?.length !== accessKeyLength) return false;
    restricted.push(record.accessKey);
  }
  if (everyoneOpen) return true;
  if (accessKey?.length !== accessKeyLength) return false;
  const combined = new Uint8Array(accessKeyLength);
  for (const key of restricted) for (let i = 0; i < accessKeyLength; i++) combined[i]! ^= key[i]!;
  return timingSafeEqual(combined, accessKey);
}
