/**
 * Opening a one-to-one envelope: a Signal message the server names the sender of, or a sealed one
 * (SEALED_SENDER) whose sender only the certificate inside tells, checked against the trust root.
 * Then the frame: the sender's access key and the conversation are recorded in `contacts`, a
 * Welcome from this account's other device is joined, and the app's bytes are returned.
 */
import {
  CiphertextMessageType,
  sealedSenderDecryptMessage,
  sealedSenderDecryptToUsmc,
} from '@signalapp/libsignal-client';
import type { MailboxEnvelopesSubscription } from './generated/operations.js';
import { cachedConversation, rememberAccessKey, rememberConversation } from './contacts.js';
import type { Device } from './device.js';
import { fromBase64, toBase64 } from './encoding.js';
import { decodeFrame } from './frame.js';
import { joinFromWelcome } from './group-receive.js';
import { trustRoot } from './sealed-sender.js';
import { decryptFrom } from './signal-sessions.js';

type Envelope = MailboxEnvelopesSubscription['messageReceived'];

/** A one-to-one message as the app sees it. */
export interface DirectMessage {
  readonly senderId: string;
  readonly senderDeviceId: number;
  readonly conversationId: string;
  readonly body: Uint8Array;
}

interface Opened {
  readonly senderId: string;
  readonly senderDeviceId: number;
  readonly plaintext: Uint8Array;
}

/** Decrypts a PREKEY_MESSAGE, SIGNAL_MESSAGE or SEALED_SENDER envelope; null: nothing to show. */
export async function openDirect(
  device: Device,
  envelope: Envelope,
): Promise<DirectMessage | null> {
  const opened =
    envelope.type === 'SEALED_SENDER'
      ? await openSealed(device, envelope)
      : await openSigned(device, envelope);
  return applyFrame(device, opened, envelope.conversation?.id ?? null);
}

async function openSigned(device: Device, envelope: Envelope): Promise<Opened> {
  const senderId = envelope.sender?.id;
  const senderDeviceId = envelope.senderDeviceId;
  if (senderId === undefined || senderDeviceId == null) throw new Error('no sender named');
  if (envelope.type !== 'PREKEY_MESSAGE' && envelope.type !== 'SIGNAL_MESSAGE') {
    throw new Error(`not a Signal message: ${envelope.type}`);
  }
  const sender = { userId: senderId, deviceId: senderDeviceId };
  const plaintext = await decryptFrom(device, sender, envelope.type, envelope.content);
  // A PreKeySignalMessage used up one-time prekeys: top them up when they run low.
  if (envelope.type === 'PREKEY_MESSAGE') await device.replenishPreKeys();
  return { senderId, senderDeviceId, plaintext };
}

async function openSealed(device: Device, envelope: Envelope): Promise<Opened> {
  const content = fromBase64(envelope.content);
  const { signal } = device;
  // The outer layer only (no session touched), to see whether a PreKeySignalMessage is inside.
  const inner = await sealedSenderDecryptToUsmc(content, signal.identity);
  // The certificate must have been valid when the server stored the envelope, not now: a message
  // may wait in the mailbox longer than a certificate lives.
  const result = await sealedSenderDecryptMessage(
    content,
    await trustRoot(device),
    Date.parse(envelope.serverTimestamp),
    null,
    device.account.userId,
    device.account.deviceId,
    signal.sessions,
    signal.identity,
    signal.preKeys,
    signal.signedPreKeys,
    signal.kyberPreKeys,
  );
  if (inner.msgType() === CiphertextMessageType.PreKey) await device.replenishPreKeys();
  return {
    senderId: result.senderUuid(),
    senderDeviceId: result.deviceId(),
    plaintext: result.message(),
  };
}

/**
 * Records what the frame teaches and picks the conversation: the server's when it named one, else
 * (sealed) the one cached for the sender, else the frame's, else the sender's user id.
 */
async function applyFrame(
  device: Device,
  opened: Opened,
  fromServer: string | null,
): Promise<DirectMessage | null> {
  const frame = decodeFrame(opened.plaintext);
  const { senderId } = opened;
  const ownAccount = senderId === device.account.userId;
  if (frame.kind === 'welcome') {
    // Only this account's devices add this device to groups this way (the server sends Welcomes
    // to added users only, and this account is already a member of its own groups).
    if (!ownAccount || frame.conversationId === null) throw new Error('an unexpected Welcome');
    await joinFromWelcome(device, frame.conversationId, toBase64(frame.payload));
    return null;
  }
  if (frame.accessKey !== null) await rememberAccessKey(device, senderId, frame.accessKey);
  let conversationId: string;
  if (ownAccount) {
    // A copy of what this account sent: the frame names the conversation with the peer.
    conversationId = fromServer ?? frame.conversationId ?? senderId;
  } else if (fromServer !== null) {
    await rememberConversation(device, senderId, fromServer);
    conversationId = fromServer;
  } else {
    // Sealed: the server's earlier word wins over what the sender claims.
    const cached = await cachedConversation(device, senderId);
    conversationId = cached ?? frame.conversationId ?? senderId;
    if (cached === null && frame.conversationId !== null) {
      await rememberConversation(device, senderId, frame.conversationId);
    }
  }
  return { senderId, senderDeviceId: opened.senderDeviceId, conversationId, body: frame.payload };
}
