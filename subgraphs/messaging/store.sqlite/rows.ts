import type {
  ConversationKind,
  ConversationRecord,
  EnvelopeRecord,
  EnvelopeType,
  SentMessageRecord,
} from '../store.js';

/** Rows of the messaging SQLite database as better-sqlite3 returns them, and their records. */
export interface ConversationRow {
  id: string;
  kind: ConversationKind;
  mls_group_id: Buffer | null;
  epoch: number | null;
  created_at: number;
}
export interface EnvelopeRow {
  seq: number;
  id: string;
  message_id: string;
  recipient_user_id: string;
  recipient_device_id: number;
  type: EnvelopeType;
  sender_user_id: string | null;
  sender_device_id: number | null;
  conversation_id: string | null;
  content: Buffer;
  server_timestamp: number;
  expires_at: number;
  receipt_requested: number;
}
export interface SentRow {
  sender_user_id: string;
  sender_device_id: number;
  client_message_id: string;
  message_id: string;
  server_timestamp: number;
  recipients: number;
}

export function toEnvelope(row: EnvelopeRow): EnvelopeRecord {
  return {
    id: row.id,
    messageId: row.message_id,
    recipientUserId: row.recipient_user_id,
    recipientDeviceId: row.recipient_device_id,
    type: row.type,
    senderUserId: row.sender_user_id,
    senderDeviceId: row.sender_device_id,
    conversationId: row.conversation_id,
    content: new Uint8Array(row.content),
    serverTimestamp: new Date(row.server_timestamp),
    expiresAt: new Date(row.expires_at),
    receiptRequested: row.receipt_requested !== 0,
  };
}
export function toSent(row: SentRow): SentMessageRecord {
  return {
    senderUserId: row.sender_user_id,
    senderDeviceId: row.sender_device_id,
    clientMessageId: row.client_message_id,
    messageId: row.message_id,
    serverTimestamp: new Date(row.server_timestamp),
    recipients: row.recipients,
  };
}

export const encodeCursor = (seq: number) => Buffer.from(String(seq)).toString('base64url');
export function decodeCursor(cursor: string): number {
  const seq = Number(Buffer.from(cursor, 'base64url').toString());
  return Number.isSafeInteger(seq) && seq >= 0 ? seq : -1;
}

export function toConversation(
  row: ConversationRow,
  memberIds: readonly string[],
): ConversationRecord {
  return {
    id: row.id,
    kind: row.kind,
    mlsGroupId: row.mls_group_id ? new Uint8Array(row.mls_group_id) : null,
    epoch: row.epoch,
    createdAt: new Date(row.created_at),
    memberIds,
  };
}
