import { randomBytes, randomUUID } from 'node:crypto';
import { uuid7 } from '../../shared/ids/index.js';
import { envelopeId } from './envelope-ids.js';
import type { StoreUnderTest } from '../../shared/testing/store-contract.js';
import {
  type ConversationRecord,
  type EnvelopeRecord,
  type MessagingStore,
  type SentMessageRecord,
} from './store.js';

/** The store a contract test runs against: a fresh one per test (see describeStoreContract). */
export type MessagingStoreUnderTest = StoreUnderTest<MessagingStore>;

export const hour = 3600_000;

/** A pending envelope for the device (a SIGNAL_MESSAGE due in an hour, unless overridden). */
export function envelope(
  userId: string,
  deviceId: number,
  overrides: Partial<EnvelopeRecord> = {},
): EnvelopeRecord {
  const now = new Date();
  return {
    id: uuid7(),
    messageId: uuid7(),
    recipientUserId: userId,
    recipientDeviceId: deviceId,
    type: 'SIGNAL_MESSAGE',
    senderUserId: randomUUID(),
    senderDeviceId: 1,
    conversationId: null,
    content: new Uint8Array(randomBytes(40)),
    serverTimestamp: now,
    expiresAt: new Date(now.getTime() + hour),
    receiptRequested: false,
    ...overrides,
  };
}

/** A new MLS group of these members at epoch 0, to pass to createGroup. */
export function newGroup(
  memberIds: readonly string[],
  overrides: Partial<ConversationRecord> = {},
): ConversationRecord {
  return {
    id: randomUUID(),
    kind: 'GROUP',
    mlsGroupId: new Uint8Array(randomBytes(16)),
    epoch: 0,
    createdAt: new Date(),
    memberIds,
    ...overrides,
  };
}

export function sent(
  clientMessageId = randomUUID(),
  senderUserId = randomUUID(),
): SentMessageRecord {
  return {
    senderUserId,
    senderDeviceId: 1,
    clientMessageId,
    messageId: uuid7(),
    serverTimestamp: new Date(),
    recipients: 1,
  };
}

/** An envelope of the send `message` for the device, its id derived as Delivery derives it. */
export function sendEnvelope(
  message: { readonly messageId: string; readonly serverTimestamp: Date },
  userId: string,
  deviceId: number,
  overrides: Partial<EnvelopeRecord> = {},
): EnvelopeRecord {
  const base = envelope(userId, deviceId, {
    messageId: message.messageId,
    serverTimestamp: message.serverTimestamp,
    expiresAt: new Date(message.serverTimestamp.getTime() + hour),
    ...overrides,
  });
  return { ...base, id: envelopeId(base) };
}
