import type { CqlMigration } from '../../../shared/cql/index.js';
import type { EnvelopeRecord } from '../store.js';

/** Statements in flight at once for one bulk read or write. */
export const concurrency = 16;
/** Keys per `IN` list of one read (and envelopes per batch of one mailbox's deletes). */
export const keysPerRead = 100;
/** Compare-and-set attempts before giving up with CqlContentionError. */
export const maxAttempts = 40;

/** Tombstones of acked envelopes are purged after the longest hint window (3 h), not 10 days. */
const mailboxGcGraceSeconds = 3 * 3600;

/** Where an envelope's columns are named differently in `mailbox` and in `commit_outbox`. */
export interface EnvelopeColumns {
  readonly id: string;
  readonly recipientUserId: string;
  readonly recipientDeviceId: string;
  readonly conversationId: string;
}

export const mailboxColumns: EnvelopeColumns = {
  id: 'id',
  recipientUserId: 'user_id',
  recipientDeviceId: 'device_id',
  conversationId: 'conversation_id',
};

export const outboxColumns: EnvelopeColumns = {
  id: 'envelope_id',
  recipientUserId: 'recipient_user_id',
  recipientDeviceId: 'recipient_device_id',
  conversationId: 'envelope_conversation_id',
};

/** An envelope's twelve columns and their CQL types, in `envelopeValues` order: the one list. */
function envelopeColumns(names: EnvelopeColumns): readonly (readonly [string, string])[] {
  return [
    [names.recipientUserId, 'text'],
    [names.recipientDeviceId, 'int'],
    [names.id, 'text'],
    ['message_id', 'text'],
    ['type', 'text'],
    ['sender_user_id', 'text'],
    ['sender_device_id', 'int'],
    [names.conversationId, 'text'],
    ['content', 'blob'],
    ['server_timestamp', 'timestamp'],
    ['expires_at', 'timestamp'],
    ['receipt_requested', 'boolean'],
  ];
}

/** `name type, ...` of an envelope's columns, for a CREATE TABLE. */
const envelopeColumnDefinitions = (names: EnvelopeColumns): string =>
  envelopeColumns(names)
    .map(([name, type]) => `${name} ${type}`)
    .join(', ');

/** `name, ...` of an envelope's columns, for an INSERT (values from `envelopeValues`). */
export const envelopeColumnNames = (names: EnvelopeColumns): string =>
  envelopeColumns(names)
    .map(([name]) => name)
    .join(', ');

/** The values of an envelope's columns, in the order of `envelopeColumnNames`. */
export function envelopeValues(envelope: EnvelopeRecord): unknown[] {
  return [
    envelope.recipientUserId,
    envelope.recipientDeviceId,
    envelope.id,
    envelope.messageId,
    envelope.type,
    envelope.senderUserId,
    envelope.senderDeviceId,
    envelope.conversationId,
    envelope.content,
    envelope.serverTimestamp,
    envelope.expiresAt,
    envelope.receiptRequested,
  ];
}

/** `?, ?, ...`: `count` bind markers. */
export const placeholders = (count: number): string => Array(count).fill('?').join(', ');

/**
 * The messaging keyspace, modelled for its queries:
 *
 * - `mailbox`: one partition per recipient device, clustered by envelope id (UUIDv7 text, which
 *   sorts by creation time), each row written `USING TTL` its expiry. Pages continue after the last
 *   id a reader saw, never by offset.
 * - `mailbox_sizes`: a narrow copy of each mailbox (envelope id and content size, same TTL), written
 *   and deleted with the envelopes, summed for the per-device quota without reading contents.
 * - `mailbox_expiry`: the sweep's index, partitioned by (hour of expiry, shard of the mailbox), so
 *   `deleteExpired` reads a day of buckets instead of every mailbox.
 * - `conversations`: one partition per conversation, a row per member, and static columns for the
 *   conversation itself (kind, MLS group id, epoch, pending commit). A commit's epoch compare-and-set
 *   and its membership change are one conditional batch in that partition.
 * - `conversations_by_member`: a user's conversations in creation order.
 * - `direct_conversations` (by sorted user pair) and `mls_groups` (by group id): uniqueness claims
 *   made with `INSERT ... IF NOT EXISTS`.
 * - `send_claims` and `sent_messages`: the idempotency record per (device, clientMessageId),
 *   claimed in `send_claims` with `IF NOT EXISTS` before the envelopes are written and completed
 *   in `sent_messages` after them (a claim without completion is pending: a retry finishes it),
 *   kept for the retention period (TTL).
 * - `sealed_send_claims` and `sealed_sends`: the same for a sealed send, per recipient, keyed on
 *   a hash of (recipient, clientMessageId) with no sender.
 * - `wakeup_outbox`: wake-ups of stored envelopes the bus did not take, in 8 partitions by a hash
 *   of the envelope id, kept a day (TTL) until the relay publishes them.
 * - `commit_outbox`: a commit's envelopes and membership change, staged before its compare-and-set
 *   and delivered after it, so a commit that won its epoch is delivered even if this process dies
 *   in between (the next reader of the conversation finishes the delivery).
 * - `speakers_by_user`: the conversations each user has spoken in (sent a non-sealed message or a
 *   commit), read by user for the presence rule; membership is checked in `conversations`.
 */
export const migrations: readonly CqlMigration[] = [
  {
    version: 1,
    description: 'mailboxes, expiry index, conversations, claims, sent records, commit outbox',
    statements: (ks) => [
      `CREATE TABLE IF NOT EXISTS ${ks}.mailbox (
         ${envelopeColumnDefinitions(mailboxColumns)},
         PRIMARY KEY ((user_id, device_id), id))
       WITH CLUSTERING ORDER BY (id ASC) AND gc_grace_seconds = ${mailboxGcGraceSeconds}`,
      `CREATE TABLE IF NOT EXISTS ${ks}.mailbox_expiry (
         bucket bigint, shard int, expires_at timestamp, user_id text, device_id int, id text,
         PRIMARY KEY ((bucket, shard), expires_at, user_id, device_id, id))
       WITH gc_grace_seconds = ${mailboxGcGraceSeconds}`,
      `CREATE TABLE IF NOT EXISTS ${ks}.conversations (
         id text, member_id text, added_at timestamp,
         kind text STATIC, mls_group_id blob STATIC, epoch bigint STATIC, created_at timestamp STATIC,
         last_commit text STATIC, pending_commit text STATIC,
         PRIMARY KEY (id, member_id))`,
      `CREATE TABLE IF NOT EXISTS ${ks}.conversations_by_member (
         user_id text, created_at timestamp, conversation_id text,
         PRIMARY KEY (user_id, created_at, conversation_id))`,
      `CREATE TABLE IF NOT EXISTS ${ks}.direct_conversations (
         pair text PRIMARY KEY, conversation_id text, created_at timestamp)`,
      `CREATE TABLE IF NOT EXISTS ${ks}.mls_groups (mls_group_id blob PRIMARY KEY, conversation_id text)`,
      `CREATE TABLE IF NOT EXISTS ${ks}.sent_messages (
         sender_user_id text, sender_device_id int, client_message_id text,
         message_id text, server_timestamp timestamp, recipients int,
         PRIMARY KEY ((sender_user_id, sender_device_id, client_message_id)))`,
      `CREATE TABLE IF NOT EXISTS ${ks}.commit_outbox (
         conversation_id text, commit_id text,
         added set<text> STATIC, removed set<text> STATIC,
         ${envelopeColumnDefinitions(outboxColumns)},
         PRIMARY KEY ((conversation_id, commit_id), envelope_id))`,
    ],
  },
  {
    version: 2,
    description: 'mailbox sizes, for the per-device quota',
    // Envelopes written before this version have no size row: they count for nothing until
    // they are acked or expire (at most the retention period).
    statements: (ks) => [
      `CREATE TABLE IF NOT EXISTS ${ks}.mailbox_sizes (
         user_id text, device_id int, id text, size bigint,
         PRIMARY KEY ((user_id, device_id), id))
       WITH gc_grace_seconds = ${mailboxGcGraceSeconds}`,
    ],
  },
  {
    version: 3,
    description: 'speakers by user (who has spoken in which conversation)',
    statements: (ks) => [
      `CREATE TABLE IF NOT EXISTS ${ks}.speakers_by_user (
         user_id text, conversation_id text, PRIMARY KEY (user_id, conversation_id))`,
    ],
  },
  {
    version: 4,
    description: 'sealed sends: idempotency per hash of (recipient, clientMessageId), no sender',
    statements: (ks) => [
      `CREATE TABLE IF NOT EXISTS ${ks}.sealed_sends (
         key text PRIMARY KEY, message_id text, server_timestamp timestamp, recipients int)`,
    ],
  },
  {
    version: 5,
    description: 'send claims (pending until completed) and the wake-up outbox',
    // Records written before this version have no claim: they are complete, as they always were.
    statements: (ks) => [
      `CREATE TABLE IF NOT EXISTS ${ks}.send_claims (
         sender_user_id text, sender_device_id int, client_message_id text,
         message_id text, server_timestamp timestamp, recipients int,
         PRIMARY KEY ((sender_user_id, sender_device_id, client_message_id)))`,
      `CREATE TABLE IF NOT EXISTS ${ks}.sealed_send_claims (
         key text PRIMARY KEY, message_id text, server_timestamp timestamp, recipients int)`,
      `CREATE TABLE IF NOT EXISTS ${ks}.wakeup_outbox (
         shard int, envelope_id text, user_id text, device_id int, created_at timestamp,
         PRIMARY KEY (shard, envelope_id))`,
    ],
  },
];
