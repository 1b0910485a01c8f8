/**
 * The sealed one-to-one send (`sendSealedMessage`, WITHOUT a token: the server stores no sender):
 * one `sealedSenderEncryptMessage` per device of the recipient under the device's sender
 * certificate, opened by the recipient's access key; then the same for the account's other
 * devices, opened by the account's own key and naming this device in `ownDeviceId`. Both parts
 * use one clientMessageId, so a retry stores nothing twice. See docs/delivery.md, "Sealed sender".
 */
import { sealedSenderEncryptMessage, type SenderCertificate } from '@signalapp/libsignal-client';
import { SendSealedMessageDocument, type SealedEnvelope } from './generated/operations.js';
import type { Device } from './device.js';
import {
  MAX_ATTEMPTS,
  correctList,
  currentDevices,
  encryptToDevices,
  isDeviceListError,
  sessionDevices,
  type DeviceList,
} from './device-lists.js';
import { toBase64 } from './encoding.js';
import { GuardynError, request } from './graphql.js';
import { senderCertificate } from './sealed-sender.js';
import { protocolAddress } from './signal-sessions.js';
import type { SendReceipt } from './signed-send.js';

export interface SealedSend {
  readonly recipientId: string;
  /** The recipient's access key, and the account's own (for the copies to its other devices). */
  readonly recipientKey: Uint8Array;
  readonly ownKey: Uint8Array;
  readonly clientMessageId: string;
  readonly plaintext: Uint8Array<ArrayBuffer>;
}

/**
 * Sends sealed to the recipient. UNAUTHENTICATED (the recipient's key changed or was revoked)
 * reaches the caller before anything was stored. The copies to the account's other devices
 * follow; `onOwnRefused` sends them otherwise when the account's own key was refused.
 */
export async function sendSealed(
  device: Device,
  send: SealedSend,
  onOwnRefused: (error: unknown) => Promise<SendReceipt>,
): Promise<SendReceipt> {
  const certificate = await senderCertificate(device);
  // The recipient's devices as this device knows them: asking the API would tell it whom we write
  // (it must when there is no session left: an empty send is refused before any device check).
  let recipientDevices = await sessionDevices(device, send.recipientId);
  if (recipientDevices.size === 0)
    recipientDevices = await currentDevices(device, send.recipientId);
  const sent = await sealedTo(device, certificate, send, {
    userId: send.recipientId,
    accessKey: send.recipientKey,
    devices: recipientDevices,
    ownDeviceId: null,
  });
  const own = device.account;
  const ownDevices = await currentDevices(device, own.userId);
  ownDevices.delete(own.deviceId);
  if (ownDevices.size === 0) return sent;
  let copies: SendReceipt;
  try {
    copies = await sealedTo(device, certificate, send, {
      userId: own.userId,
      accessKey: send.ownKey,
      devices: ownDevices,
      ownDeviceId: own.deviceId,
    });
  } catch (error) {
    if (!isRefused(error)) throw error;
    copies = await onOwnRefused(error);
  }
  return { ...sent, recipients: sent.recipients + copies.recipients };
}

/** The refusal of a sealed send's access key (wrong, changed or revoked). */
export function isRefused(error: unknown): boolean {
  return error instanceof GuardynError && error.code === 'UNAUTHENTICATED';
}

interface SealedTarget {
  readonly userId: string;
  readonly accessKey: Uint8Array;
  readonly devices: DeviceList;
  readonly ownDeviceId: number | null;
}

async function sealedTo(
  device: Device,
  certificate: SenderCertificate,
  send: SealedSend,
  target: SealedTarget,
): Promise<SendReceipt> {
  for (let attempt = 1; ; attempt += 1) {
    const envelopes = await device.serial.run(() =>
      encryptToDevices(
        device,
        target.userId,
        target.devices,
        async (address, registrationId): Promise<SealedEnvelope> => ({
          deviceId: address.deviceId,
          registrationId,
          content: toBase64(
            await sealedSenderEncryptMessage(
              send.plaintext,
              protocolAddress(address),
              certificate,
              device.signal.sessions,
              device.signal.identity,
            ),
          ),
        }),
      ),
    );
    try {
      // No token: `request`, not the session (which would add one and refresh on UNAUTHENTICATED).
      const { sendSealedMessage } = await request(device.session.url, SendSealedMessageDocument, {
        input: {
          recipientId: target.userId,
          accessKey: toBase64(target.accessKey),
          clientMessageId: send.clientMessageId,
          envelopes,
          ...(target.ownDeviceId === null ? {} : { ownDeviceId: target.ownDeviceId }),
        },
      });
      return { ...sendSealedMessage, serverTimestamp: new Date(sendSealedMessage.serverTimestamp) };
    } catch (error) {
      if (attempt >= MAX_ATTEMPTS || !isDeviceListError(error)) throw error;
      // A sealed send is checked as a note to the target: its lists come as the recipient's.
      correctList(target.devices, error, 'recipient');
    }
  }
}
