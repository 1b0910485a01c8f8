/**
 * `send(userId, body)`: one envelope per device of the recipient and per other device of the
 * sender, each encrypted on its own libsignal session. The device lists come from the API; when
 * the server says they changed (MISMATCHED_DEVICES, STALE_DEVICES: nothing was stored), the lists
 * are corrected from the error's extensions, sessions are rebuilt from fresh bundles, and the
 * same clientMessageId is sent again. See docs/delivery.md.
 */
import { randomUUID } from 'node:crypto';
import {
  RecipientDevicesDocument,
  SendMessageDocument,
  type OutgoingEnvelope,
} from '../../schema/generated/operations.js';
import type { Device } from './device.js';
import { GuardynError } from './graphql.js';
import { encryptFor, sessionRegistrationId, startSessions } from './signal-sessions.js';

/** Corrections tried before giving up (each answers one change of the device lists). */
const MAX_ATTEMPTS = 4;

/** The devices one envelope set must cover, by user. */
type DeviceLists = Map<string, Map<number, number | null>>;

export interface SendReceipt {
  readonly messageId: string;
  readonly serverTimestamp: Date;
  readonly recipients: number;
}

export async function sendDirect(
  device: Device,
  recipientId: string,
  plaintext: Uint8Array<ArrayBuffer>,
): Promise<SendReceipt> {
  const own = device.account;
  const lists: DeviceLists = new Map([
    [recipientId, await currentDevices(device, recipientId)],
    [own.userId, await currentDevices(device, own.userId)],
  ]);
  lists.get(own.userId)?.delete(own.deviceId);
  const clientMessageId = randomUUID();
  for (let attempt = 1; ; attempt += 1) {
    const envelopes = await device.serial.run(() => encryptForAll(device, lists, plaintext));
    try {
      const { sendMessage } = await device.session.request(SendMessageDocument, {
        input: { recipientId, clientMessageId, envelopes, deliveryReceipts: false },
      });
      return { ...sendMessage, serverTimestamp: new Date(sendMessage.serverTimestamp) };
    } catch (error) {
      if (attempt >= MAX_ATTEMPTS || !correct(lists, recipientId, own.userId, error)) throw error;
    }
  }
}

/** Device id to registration id (null: learn it from a fresh bundle). */
async function currentDevices(device: Device, userId: string): Promise<Map<number, number | null>> {
  const { user } = await device.session.request(RecipientDevicesDocument, { id: userId });
  if (!user) throw new GuardynError(`no user ${userId}`, 'NOT_FOUND');
  return new Map(user.devices.map((d) => [d.deviceId, d.registrationId]));
}

async function encryptForAll(
  device: Device,
  lists: DeviceLists,
  plaintext: Uint8Array<ArrayBuffer>,
): Promise<OutgoingEnvelope[]> {
  const envelopes: OutgoingEnvelope[] = [];
  for (const [userId, devices] of lists) {
    // A session is reused only while it is with the same installation (same registration id).
    const needSession: number[] = [];
    for (const [deviceId, registrationId] of devices) {
      const sessionId = await sessionRegistrationId(device, { userId, deviceId });
      if (sessionId === null || (registrationId !== null && sessionId !== registrationId)) {
        needSession.push(deviceId);
      }
    }
    await startSessions(device, userId, needSession);
    for (const deviceId of devices.keys()) {
      const address = { userId, deviceId };
      const registrationId = await sessionRegistrationId(device, address);
      if (registrationId === null) throw new Error(`no session with ${userId}.${deviceId}`);
      devices.set(deviceId, registrationId);
      envelopes.push({
        ...(userId === device.account.userId ? { userId } : {}),
        deviceId,
        registrationId,
        ...(await encryptFor(device, address, plaintext)),
      });
    }
  }
  return envelopes;
}

/** Applies a MISMATCHED_DEVICES or STALE_DEVICES refusal to the lists; false for other errors. */
function correct(lists: DeviceLists, recipientId: string, ownId: string, error: unknown): boolean {
  if (!(error instanceof GuardynError)) return false;
  const ids = (name: string): number[] => {
    const value = error.extensions[name];
    return Array.isArray(value) ? value.filter((id): id is number => typeof id === 'number') : [];
  };
  const recipient = lists.get(recipientId);
  const own = lists.get(ownId);
  if (recipient === undefined || own === undefined) return false;
  if (error.code === 'MISMATCHED_DEVICES') {
    ids('missingDevices').forEach((id) => recipient.set(id, null));
    ids('extraDevices').forEach((id) => recipient.delete(id));
    ids('missingOwnDevices').forEach((id) => own.set(id, null));
    ids('extraOwnDevices').forEach((id) => own.delete(id));
    return true;
  }
  if (error.code === 'STALE_DEVICES') {
    // -1 matches no session, so a fresh bundle is claimed: the device was reinstalled.
    ids('staleDevices').forEach((id) => recipient.set(id, -1));
    ids('staleOwnDevices').forEach((id) => own.set(id, -1));
    return true;
  }
  return false;
}
