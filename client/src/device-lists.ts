/**
 * The devices a one-to-one send must cover, per user: device id to registration id (null: learn
 * it from a fresh bundle). Lists come from the API or from the sessions the device holds, are
 * corrected from MISMATCHED_DEVICES and STALE_DEVICES refusals (nothing was stored, the same
 * clientMessageId is sent again), and sessions are started where a device has none.
 */
import { RecipientDevicesDocument } from './generated/operations.js';
import type { Device } from './device.js';
import { GuardynError } from './graphql.js';
import { sessionRegistrationId, startSessions, type DeviceAddress } from './signal-sessions.js';

export type DeviceList = Map<number, number | null>;

/** Corrections tried before giving up (each answers one change of the device lists). */
export const MAX_ATTEMPTS = 4;

/** The user's devices as the API lists them (asked with the device's token). */
export async function currentDevices(device: Device, userId: string): Promise<DeviceList> {
  const { user } = await device.session.request(RecipientDevicesDocument, { id: userId });
  if (!user) throw new GuardynError(`no user ${userId}`, 'NOT_FOUND');
  return new Map(user.devices.map((d) => [d.deviceId, d.registrationId]));
}

/**
 * The user's devices this device has sessions with: a sealed send starts from them without
 * asking the server whose devices it wants; a refusal then corrects the list.
 */
export async function sessionDevices(device: Device, userId: string): Promise<DeviceList> {
  const list: DeviceList = new Map();
  for (const key of await device.store.keys('sessions')) {
    const dot = key.lastIndexOf('.');
    if (key.slice(0, dot) !== userId) continue;
    const deviceId = Number(key.slice(dot + 1));
    const registrationId = await sessionRegistrationId(device, { userId, deviceId });
    if (registrationId !== null) list.set(deviceId, registrationId);
  }
  return list;
}

/**
 * One `encrypt` result per device of the list, after starting sessions where there are none or
 * where the registration id changed (a reinstall); the list learns the sessions' registration ids.
 */
export async function encryptToDevices<T>(
  device: Device,
  userId: string,
  list: DeviceList,
  encrypt: (address: DeviceAddress, registrationId: number) => Promise<T>,
): Promise<T[]> {
  const needSession: number[] = [];
  for (const [deviceId, registrationId] of list) {
    const sessionId = await sessionRegistrationId(device, { userId, deviceId });
    if (sessionId === null || (registrationId !== null && sessionId !== registrationId)) {
      needSession.push(deviceId);
    }
  }
  await startSessions(device, userId, needSession);
  const results: T[] = [];
  for (const deviceId of list.keys()) {
    const address = { userId, deviceId };
    const registrationId = await sessionRegistrationId(device, address);
    if (registrationId === null) throw new Error(`no session with ${userId}.${deviceId}`);
    list.set(deviceId, registrationId);
    results.push(await encrypt(address, registrationId));
  }
  return results;
}

/** Whether the server refused a send because its device lists are out of date. */
export function isDeviceListError(error: unknown): error is GuardynError {
  return (
    error instanceof GuardynError &&
    (error.code === 'MISMATCHED_DEVICES' || error.code === 'STALE_DEVICES')
  );
}

/**
 * Applies a refusal's device ids to one list: the recipient's (`missingDevices`, ...) or the
 * sender's other devices (`missingOwnDevices`, ...).
 */
export function correctList(
  list: DeviceList,
  error: GuardynError,
  whose: 'recipient' | 'own',
): void {
  const ids = (kind: 'missing' | 'extra' | 'stale'): number[] => {
    const value = error.extensions[`${kind}${whose === 'own' ? 'Own' : ''}Devices`];
    return Array.isArray(value) ? value.filter((id): id is number => typeof id === 'number') : [];
  };
  if (error.code === 'MISMATCHED_DEVICES') {
    ids('missing').forEach((id) => list.set(id, null));
    ids('extra').forEach((id) => list.delete(id));
  } else {
    // -1 matches no session, so a fresh bundle is claimed: the device was reinstalled.
    ids('stale').forEach((id) => list.set(id, -1));
  }
}
