import { cells, type Row } from '../../../shared/cql/index.js';
import {
  envelopeTypes,
  type ConversationKind,
  type ConversationRecord,
  type EnvelopeRecord,
  type SentMessageRecord,
} from '../store.js';
import { mailboxColumns, type EnvelopeColumns } from './schema.js';

/** An envelope from a `mailbox` row, or (with `outboxColumns`) from a staged `commit_outbox` row. */
export function toEnvelope(row: Row, columns: EnvelopeColumns = mailboxColumns): EnvelopeRecord {
  return {
    id: cells.text(row, columns.id),
    messageId: cells.text(row, 'message_id'),
    recipientUserId: cells.text(row, columns.recipientUserId),
    recipientDeviceId: cells.int(row, columns.recipientDeviceId),
    type: cells.oneOf(row, 'type', envelopeTypes),
    senderUserId: cells.optionalText(row, 'sender_user_id'),
    senderDeviceId: cells.optionalInt(row, 'sender_device_id'),
    conversationId: cells.optionalText(row, columns.conversationId),
    content: cells.bytes(row, 'content'),
    serverTimestamp: cells.date(row, 'server_timestamp'),
    expiresAt: cells.date(row, 'expires_at'),
    receiptRequested: cells.bool(row, 'receipt_requested'),
  };
}

export function toSent(row: Row): SentMessageRecord {
  return {
    senderUserId: cells.text(row, 'sender_user_id'),
    senderDeviceId: cells.int(row, 'sender_device_id'),
    clientMessageId: cells.text(row, 'client_message_id'),
    messageId: cells.text(row, 'message_id'),
    serverTimestamp: cells.date(row, 'server_timestamp'),
    recipients: cells.int(row, 'recipients'),
  };
}

/** The commit a conversation's partition marks as won but not yet delivered, if any. */
export function pendingCommitOf(rows: readonly Row[]): string | null {
  const head = rows[0];
  return head ? cells.optionalText(head, 'pending_commit') : null;
}

/**
 * A conversation from the rows of its partition (a row per member, the rest static), members in
 * the order they were added; null when it has no kind (absent, or half written).
 */
export function toConversation(id: string, rows: readonly Row[]): ConversationRecord | null {
  const head = rows[0];
  const kind = head ? cells.optionalText(head, 'kind') : null;
  if (!head || (kind !== 'DIRECT' && kind !== 'GROUP')) return null;
  const members = rows
    .flatMap((row) => {
      const memberId = cells.optionalText(row, 'member_id');
      const addedAt = cells.optionalDate(row, 'added_at')?.getTime() ?? 0;
      return memberId === null ? [] : [{ memberId, addedAt }];
    })
    .sort((a, b) => a.addedAt - b.addedAt || (a.memberId < b.memberId ? -1 : 1));
  return {
    id,
    kind: kind satisfies ConversationKind,
    mlsGroupId: cells.optionalBytes(head, 'mls_group_id'),
    epoch: cells.optionalInt(head, 'epoch'),
    createdAt: cells.date(head, 'created_at'),
    memberIds: members.map((member) => member.memberId),
  };
}

export const encodeCursor = (id: string) => Buffer.from(id).toString('base64url');

/** The id after which to continue; an unreadable cursor starts from the beginning (as SQLite's). */
export function decodeCursor(cursor: string): string {
  const id = Buffer.from(cursor, 'base64url').toString();
  return /^[0-9a-f-]{1,64}$/.test(id) ? id : '';
}
