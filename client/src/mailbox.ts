/**
 * `messages()`: the device's envelopes from `messageReceived` (pending first, then live, in
 * server order), decrypted one at a time and acknowledged once the loop body is done with each.
 * A decrypted message is kept in the store's `pending` section until its ack succeeded, so a
 * crash between decryption and ack shows it again without decrypting twice (libsignal and MLS
 * keys are used once), and one already shown is only acknowledged.
 */
import {
  AckEnvelopesDocument,
  MailboxEnvelopesDocument,
  type MailboxEnvelopesSubscription,
} from './generated/operations.js';
import { openDirect } from './direct-receive.js';
import type { Device } from './device.js';
import { fromBase64, textOf, toBase64 } from './encoding.js';
import { joinFromWelcome, processGroupMessage } from './group-receive.js';
import type { DeviceSocket } from './socket.js';
import { AsyncQueue } from './async-queue.js';

type Envelope = MailboxEnvelopesSubscription['messageReceived'];

/** A decrypted message. */
export interface Message {
  /** The envelope id (one per receiving device). */
  readonly id: string;
  readonly senderId: string;
  readonly senderDeviceId: number;
  readonly conversationId: string;
  /** The conversation id of a group message; null for one-to-one. */
  readonly groupId: string | null;
  readonly body: Uint8Array;
  /** The body as UTF-8 text, or null when it is not valid UTF-8. */
  readonly text: string | null;
  readonly sentAt: Date;
}

interface PendingRecord {
  readonly id: string;
  readonly senderId: string;
  readonly senderDeviceId: number;
  readonly conversationId: string;
  readonly groupId: string | null;
  readonly body: string;
  readonly sentAt: string;
  /** Set once the loop body returned: only the ack is left to do. */
  readonly shown: boolean;
}

/** Called for an envelope that cannot be opened; it is acknowledged and skipped. */
export type UndecryptableHandler = (error: unknown, envelopeId: string) => void;

export async function* receiveMessages(
  device: Device,
  socket: DeviceSocket,
  onUndecryptable: UndecryptableHandler,
): AsyncGenerator<Message, void, undefined> {
  const queue = new AsyncQueue<Envelope>();
  const stop = socket.subscribe(
    MailboxEnvelopesDocument,
    {},
    {
      next: (data) => queue.push(data.messageReceived),
      error: (error) => queue.fail(error),
      complete: () => queue.end(),
    },
  );
  // A reconnect replays what is unacknowledged, including envelopes already queued here.
  const handled = new Set<string>();
  try {
    for (let envelope = await queue.next(); envelope; envelope = await queue.next()) {
      if (handled.has(envelope.id)) continue;
      handled.add(envelope.id);
      const pending = await openOrRecall(device, envelope, onUndecryptable);
      if (pending !== null && !pending.shown) {
        try {
          yield toMessage(pending);
        } finally {
          // Here when the body asks for the next message, or leaves the loop (break, throw).
          await device.store.set(
            'pending',
            pending.id,
            JSON.stringify({ ...pending, shown: true }),
          );
          await acknowledge(device, envelope.id);
        }
      } else {
        await acknowledge(device, envelope.id);
      }
    }
  } finally {
    stop();
  }
}

async function openOrRecall(
  device: Device,
  envelope: Envelope,
  onUndecryptable: UndecryptableHandler,
): Promise<PendingRecord | null> {
  const saved = await device.store.get('pending', envelope.id);
  if (saved !== undefined) return JSON.parse(saved) as PendingRecord;
  try {
    const opened = await device.serial.run(() => open(device, envelope));
    if (opened === null) return null;
    await device.store.set('pending', opened.id, JSON.stringify(opened));
    return opened;
  } catch (error) {
    onUndecryptable(error, envelope.id);
    return null;
  }
}

/** Decrypts a message, or applies a Welcome or a commit (null: nothing to show). */
async function open(device: Device, envelope: Envelope): Promise<PendingRecord | null> {
  const record = (
    from: { senderId: string; senderDeviceId: number; conversationId: string },
    body: Uint8Array,
    groupId: string | null,
  ): PendingRecord => ({
    id: envelope.id,
    senderId: from.senderId,
    senderDeviceId: from.senderDeviceId,
    conversationId: from.conversationId,
    groupId,
    body: toBase64(body),
    sentAt: envelope.serverTimestamp,
    shown: false,
  });
  switch (envelope.type) {
    case 'PREKEY_MESSAGE':
    case 'SIGNAL_MESSAGE':
    case 'SEALED_SENDER': {
      const message = await openDirect(device, envelope);
      return message === null ? null : record(message, message.body, null);
    }
    case 'MLS_WELCOME':
    case 'MLS_COMMIT':
    case 'MLS_APPLICATION':
      return openGroup(device, envelope, record);
    default:
      // RECEIPT: this client asks for none (deliveryReceipts: false); any that come are only acked.
      return null;
  }
}

async function openGroup(
  device: Device,
  envelope: Envelope,
  record: (
    from: { senderId: string; senderDeviceId: number; conversationId: string },
    body: Uint8Array,
    groupId: string,
  ) => PendingRecord,
): Promise<PendingRecord | null> {
  const senderId = envelope.sender?.id;
  const senderDeviceId = envelope.senderDeviceId;
  const conversationId = envelope.conversation?.id;
  if (senderId === undefined || senderDeviceId == null || conversationId === undefined) {
    throw new Error('a group envelope names no sender or conversation');
  }
  if (envelope.type === 'MLS_WELCOME') {
    await joinFromWelcome(device, conversationId, envelope.content);
    return null;
  }
  const body = await processGroupMessage(device, conversationId, envelope.content);
  return body === null
    ? null
    : record({ senderId, senderDeviceId, conversationId }, body, conversationId);
}

async function acknowledge(device: Device, envelopeId: string): Promise<void> {
  await device.session.request(AckEnvelopesDocument, { ids: [envelopeId] });
  await device.store.delete('pending', envelopeId);
}

function toMessage(record: PendingRecord): Message {
  const body = fromBase64(record.body);
  return {
    id: record.id,
    senderId: record.senderId,
    senderDeviceId: record.senderDeviceId,
    conversationId: record.conversationId,
    groupId: record.groupId,
    body,
    text: textOf(body),
    sentAt: new Date(record.sentAt),
  };
}
