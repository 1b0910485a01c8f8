/**
 * `send(userId, body)`: the body framed (client/README.md, "The frame") and sent to every device
 * of the recipient and to the account's other devices. Sealed (the server stores no sender) when
 * this device knows the recipient's access key and the account's own; otherwise, or when the
 * server refuses the key, with the device's token, which also tells the peer our key in the frame.
 */
import { randomUUID } from 'node:crypto';
import {
  accessKeyOf,
  cachedConversation,
  directConversation,
  forgetAccessKey,
} from './contacts.js';
import type { Device } from './device.js';
import { encodeFrame } from './frame.js';
import { isRefused, sendSealed } from './sealed-send.js';
import { sendSigned, type SendReceipt } from './signed-send.js';

export type { SendReceipt } from './signed-send.js';

export async function sendDirect(
  device: Device,
  recipientId: string,
  body: Uint8Array<ArrayBuffer>,
): Promise<SendReceipt> {
  const ownId = device.account.userId;
  const toSelf = recipientId === ownId;
  const ownKey = await accessKeyOf(device, ownId);
  const recipientKey = toSelf ? null : await accessKeyOf(device, recipientId);
  const clientMessageId = randomUUID();
  const frame = (accessKey: Uint8Array | null, conversationId: string | null) =>
    encodeFrame({ kind: 'message', accessKey, conversationId, payload: body });

  if (recipientKey !== null && ownKey !== null) {
    const conversationId = await directConversation(device, recipientId);
    try {
      return await sendSealed(
        device,
        {
          recipientId,
          recipientKey,
          ownKey,
          clientMessageId,
          plaintext: frame(ownKey, conversationId),
        },
        // The account's key was replaced by another of its devices: copies go unsealed, keyless.
        async () => {
          await forgetAccessKey(device, ownId);
          return sendSigned(device, ownId, frame(null, conversationId), clientMessageId);
        },
      );
    } catch (error) {
      if (!isRefused(error)) throw error;
      await forgetAccessKey(device, recipientId);
    }
  }

  const known = toSelf ? null : await cachedConversation(device, recipientId);
  const receipt = await sendSigned(device, recipientId, frame(ownKey, known), clientMessageId);
  // The send made the direct conversation if it was new: learn its id for the next frames.
  if (!toSelf && known === null) await directConversation(device, recipientId);
  return receipt;
}

/** Sends an MLS Welcome to the account's other devices (the server only sends it to added users). */
export function sendWelcomeToOwnDevices(
  device: Device,
  conversationId: string,
  welcome: Uint8Array,
): Promise<SendReceipt> {
  const plaintext = encodeFrame({
    kind: 'welcome',
    accessKey: null,
    conversationId,
    payload: welcome,
  });
  return sendSigned(device, device.account.userId, plaintext, randomUUID());
}
