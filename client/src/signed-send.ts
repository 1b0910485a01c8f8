/**
 * The non-sealed one-to-one send (`sendMessage`, with the device's token, so the server learns
 * the sender): one envelope per device of the recipient and per other device of the sender, each
 * encrypted on its own libsignal session, the device lists corrected and the same clientMessageId
 * sent again when the server says they changed. See docs/delivery.md.
 */
import { SendMessageDocument, type OutgoingEnvelope } from './generated/operations.js';
import type { Device } from './device.js';
import {
  MAX_ATTEMPTS,
  correctList,
  currentDevices,
  encryptToDevices,
  isDeviceListError,
  type DeviceList,
} from './device-lists.js';
import { encryptFor } from './signal-sessions.js';

export interface SendReceipt {
  readonly messageId: string;
  readonly serverTimestamp: Date;
  readonly recipients: number;
}

/** Sends `plaintext` to `recipientId` (to oneself: a note to the account's other devices). */
export async function sendSigned(
  device: Device,
  recipientId: string,
  plaintext: Uint8Array<ArrayBuffer>,
  clientMessageId: string,
): Promise<SendReceipt> {
  const own = device.account;
  // To oneself both entries are one list: the account's other devices.
  const lists = new Map<string, DeviceList>([
    [recipientId, await currentDevices(device, recipientId)],
    [own.userId, await currentDevices(device, own.userId)],
  ]);
  lists.get(own.userId)?.delete(own.deviceId);
  for (let attempt = 1; ; attempt += 1) {
    const envelopes = await device.serial.run(() => encryptForAll(device, lists, plaintext));
    try {
      const { sendMessage } = await device.session.request(SendMessageDocument, {
        input: { recipientId, clientMessageId, envelopes, deliveryReceipts: false },
      });
      return { ...sendMessage, serverTimestamp: new Date(sendMessage.serverTimestamp) };
    } catch (error) {
      if (attempt >= MAX_ATTEMPTS || !isDeviceListError(error)) throw error;
      const recipient = lists.get(recipientId);
      const ownList = lists.get(own.userId);
      if (recipient === undefined || ownList === undefined) throw error;
      correctList(recipient, error, 'recipient');
      if (recipientId !== own.userId) correctList(ownList, error, 'own');
    }
  }
}

async function encryptForAll(
  device: Device,
  lists: Map<string, DeviceList>,
  plaintext: Uint8Array<ArrayBuffer>,
): Promise<OutgoingEnvelope[]> {
  const envelopes: OutgoingEnvelope[] = [];
  for (const [userId, list] of lists) {
    envelopes.push(
      ...(await encryptToDevices(device, userId, list, async (address, registrationId) => ({
        ...(userId === device.account.userId ? { userId } : {}),
        deviceId: address.deviceId,
        registrationId,
        ...(await encryptFor(device, address, plaintext)),
      }))),
    );
  }
  return envelopes;
}
