import { createHash } from 'node:crypto';
import { DeviceLimitError, type DeviceRecord, type NewDevice } from './store.js';

/**
 * What both AuthStore adapters decide the same way, whatever their tables: which id a linked
 * device takes, the record a new device becomes, and a device whose signed keys are missing.
 */

/** Linked devices take ids 2..127 (libsignal's range); 1 is the primary. */
const maxDeviceId = 127;

/** The lowest free id for a linked device; DeviceLimitError at `maxDevices` or past 127. */
export function lowestFreeDeviceId(used: readonly number[], maxDevices: number): number {
  if (used.length >= maxDevices) throw new DeviceLimitError();
  let deviceId = 2;
  while (used.includes(deviceId)) deviceId++;
  if (deviceId > maxDeviceId) throw new DeviceLimitError();
  return deviceId;
}

/** The record of a device just stored with id `deviceId`, created and last seen at `now`. */
export function newDeviceRecord(
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

/** Every stored device has both signed keys: a bundle without them is a broken invariant. */
export function missingSignedKeys(device: DeviceRecord): Error {
  return new Error(`device ${device.userId}.${device.deviceId} has no signed keys`);
}

/**
 * What a username's quarantine row holds: its SHA-256, not the name, so the files of a deleted
 * account do not spell its name out (a guess can still be checked against it).
 */
export function quarantineKey(username: string): Uint8Array {
  return new Uint8Array(createHash('sha256').update(`guardyn-username:${username}`).digest());
}
