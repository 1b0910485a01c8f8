/** The messaging subgraph's storage port: conversations and their speakers, per-device mailboxes, sent-message records. */

export const envelopeTypes = [
  'PREKEY_MESSAGE',
  'SIGNAL_MESSAGE',
  'SEALED_SENDER',
  'MLS_WELCOME',
  'MLS_COMMIT',
  'MLS_APPLICATION',
  'RECEIPT',
] as const;
export type EnvelopeType = (typeof envelopeTypes)[number];
export type ConversationKind = 'DIRECT' | 'GROUP';

export interface ConversationRecord {
  readonly id: string;
  readonly kind: ConversationKind;
  readonly mlsGroupId: Uint8Array | null;
  readonly epoch: number | null;
  readonly createdAt: Date;
  readonly memberIds: readonly string[];
}

/** One envelope in one device's mailbox. */
export interface EnvelopeRecord {
  readonly id: string;
  /** The logical message it belongs to (one message fans out to many envelopes). */
  readonly messageId: string;
  readonly recipientUserId: string;
  readonly recipientDeviceId: number;
  readonly type: EnvelopeType;
  readonly senderUserId: string | null;
  readonly senderDeviceId: number | null;
  readonly conversationId: string | null;
  readonly content: Uint8Array;
  readonly serverTimestamp: Date;
  readonly expiresAt: Date;
  /** The sender wants a RECEIPT when this envelope is acked. */
  readonly receiptRequested: boolean;
}

/** The outcome of a send, kept so that a retry with the same clientMessageId returns it. */
export interface SentMessageRecord {
  readonly senderUserId: string;
  readonly senderDeviceId: number;
  readonly clientMessageId: string;
  readonly messageId: string;
  readonly serverTimestamp: Date;
  readonly recipients: number;
}

/** A send's idempotency key: the sending device and its clientMessageId. */
export type SendKey = Pick<
  SentMessageRecord,
  'senderUserId' | 'senderDeviceId' | 'clientMessageId'
>;

export interface MailboxPage {
  readonly envelopes: readonly EnvelopeRecord[];
  /** Opaque; pass back as `after` to continue. Null when the page is empty and no cursor was given. */
  readonly cursor: string | null;
  readonly hasMore: boolean;
}

/** Stores a send only while the group is still at this epoch (MLS application messages). */
export interface EpochCondition {
  readonly conversationId: string;
  readonly epoch: number;
}

/**
 * A user who has spoken in a conversation: sent a message there (never a sealed one) or a group
 * commit. Only what a user did themselves marks them; presence is shown by this record.
 */
export interface Speaker {
  readonly conversationId: string;
  readonly userId: string;
}

export interface StoreMessageOptions {
  /** Store only while the group is at this epoch. */
  readonly condition?: EpochCondition;
  /** Mark this speaker with the send (not for a duplicate or a stale epoch). */
  readonly speaker?: Speaker;
}

export type StoreMessageOutcome =
  /**
   * This call stored the send, or finished one an earlier attempt had claimed and not completed
   * (then `sent` is that attempt's record): `envelopes` are the rows written, to announce.
   */
  | {
      readonly kind: 'stored';
      readonly sent: SentMessageRecord;
      readonly envelopes: readonly EnvelopeRecord[];
    }
  /** A send with the same (device, clientMessageId) was completed first: nothing was stored now. */
  | { readonly kind: 'duplicate'; readonly sent: SentMessageRecord }
  | { readonly kind: 'stale-epoch'; readonly currentEpoch: number };

export interface GroupCommit {
  readonly conversationId: string;
  readonly expectedEpoch: number;
  readonly addedUserIds: readonly string[];
  readonly removedUserIds: readonly string[];
  /** Who committed: marked as a speaker of the group with the epoch change. */
  readonly committerUserId: string;
  /** Commit and Welcome envelopes, stored with the epoch change or not at all. */
  readonly envelopes: readonly EnvelopeRecord[];
}

export type CommitOutcome =
  | { readonly kind: 'committed'; readonly conversation: ConversationRecord }
  | { readonly kind: 'stale-epoch'; readonly currentEpoch: number };

/** Thrown by createGroup when the MLS group id is registered already. */
export class GroupExistsError extends Error {
  constructor() {
    super('MLS group id already registered');
    this.name = 'GroupExistsError';
  }
}

export interface MessagingStore extends MailboxQuotaStore, SealedSendStore, WakeupOutboxStore {
  findSentMessage(
    senderUserId: string,
    senderDeviceId: number,
    clientMessageId: string,
  ): Promise<SentMessageRecord | null>;
  /**
   * Stores the envelopes, the sent record and the speaker. Idempotent on (sender device,
   * clientMessageId) whatever step fails: a retry after a failure rewrites the same envelope
   * rows (the message of the first claim, ids from `envelopeId`), never adds copies. With
   * `options.condition`, only while the group is at that epoch. SQLite does it in one
   * transaction; CQL claims the record (pending), writes the envelopes, then completes it.
   */
  storeMessage(
    sent: SentMessageRecord,
    envelopes: readonly EnvelopeRecord[],
    options?: StoreMessageOptions,
  ): Promise<StoreMessageOutcome>;

  /** Stores server-made envelopes (delivery receipts), which need no idempotency record. */
  storeEnvelopes(envelopes: readonly EnvelopeRecord[]): Promise<void>;
  /** One envelope of a device's mailbox, if it is still there and not expired. */
  findEnvelope(
    userId: string,
    deviceId: number,
    id: string,
    now: Date,
  ): Promise<EnvelopeRecord | null>;

  /** Those of `ids` still in the device's mailbox and not expired: one call for a whole list. */
  findEnvelopes(
    userId: string,
    deviceId: number,
    ids: readonly string[],
    now: Date,
  ): Promise<EnvelopeRecord[]>;

  /** The direct conversation of two users, created (with `candidateId`) on first use. */
  ensureDirectConversation(
    userIds: readonly [string, string],
    candidateId: string,
    now: Date,
  ): Promise<ConversationRecord>;
  findConversation(id: string): Promise<ConversationRecord | null>;
  /** The conversations among `ids` that exist, in no particular order: one call for a list. */
  findConversations(ids: readonly string[]): Promise<ConversationRecord[]>;
  listConversations(userId: string): Promise<ConversationRecord[]>;
  /** Registers an MLS group at epoch 0; GroupExistsError when its group id is taken. */
  createGroup(conversation: ConversationRecord): Promise<ConversationRecord>;
  /** Advances the epoch by one if it is `expectedEpoch` (compare-and-set), with membership and envelopes. */
  commitGroup(commit: GroupCommit): Promise<CommitOutcome>;
  /**
   * Those of `userIds` who have spoken in a conversation that they and `viewerId` are both
   * members of now. One call for the whole list.
   */
  speakersSharingConversationWith(
    viewerId: string,
    userIds: readonly string[],
  ): Promise<Set<string>>;
  /** Removes a member; true when they were one. */
  removeMember(conversationId: string, userId: string): Promise<boolean>;

  /** Pending envelopes of a device, oldest first, skipping expired ones. */
  readMailbox(
    userId: string,
    deviceId: number,
    after: string | null,
    limit: number,
    now: Date,
  ): Promise<MailboxPage>;
  /** Deletes the device's envelopes among `ids` (others' ids are ignored); returns the deleted ones. */
  deleteEnvelopes(
    userId: string,
    deviceId: number,
    ids: readonly string[],
  ): Promise<EnvelopeRecord[]>;
  /** Deletes every envelope of a device (the device was removed). */
  deleteMailbox(userId: string, deviceId: number): Promise<number>;
  /**
   * Deletes what the store holds of a deleted account: the mailboxes of its devices (at least
   * those of `deviceIds`), its sent-message records and speaker marks, its direct conversations
   * whole, and its group memberships. Envelopes it sent that wait in others' mailboxes stay.
   * Returns the groups it was removed from; idempotent (run again, it finds nothing).
   */
  deleteUserData(userId: string, deviceIds: readonly number[]): Promise<string[]>;
  /** Deletes expired envelopes and old sent and sealed-send records; returns how many envelopes went. */
  deleteExpired(now: Date, sentRecordsBefore: Date): Promise<number>;
  /**
   * Envelopes waiting in all mailboxes, for a sampled metric: cheap, and approximate where
   * exactness would cost (SQLite may count expired envelopes the sweep has not removed yet).
   */
  countPendingEnvelopes(now: Date): Promise<number>;

  ping(): Promise<void>;
  close(): Promise<void>;
}

// --- mailbox quotas (per device: pending envelopes and their content bytes) ---

/** One device's mailbox. */
export interface DeviceAddress {
  readonly userId: string;
  readonly deviceId: number;
}

/** The most a device's mailbox may hold pending. */
export interface MailboxQuota {
  readonly maxEnvelopes: number;
  readonly maxBytes: number;
}

/** What a device's mailbox holds pending: envelopes (RECEIPTs included) and their content bytes. */
export interface MailboxUsage extends DeviceAddress {
  readonly envelopes: number;
  readonly bytes: number;
}

/** The devices the envelopes would put over the quota: nothing was stored. */
export interface MailboxFullOutcome {
  readonly kind: 'mailbox-full';
  readonly full: readonly DeviceAddress[];
}

export interface MailboxQuotaStore {
  /** The usage of each device (zero for an empty mailbox), in the order asked. */
  mailboxUsage(devices: readonly DeviceAddress[]): Promise<MailboxUsage[]>;
  /**
   * storeMessage, unless the envelopes would put a device over `quota` (a duplicate send still
   * answers `duplicate`). SQLite checks and writes in one step; CQL reads the usage first.
   */
  storeMessageWithinQuota(
    sent: SentMessageRecord,
    envelopes: readonly EnvelopeRecord[],
    quota: MailboxQuota,
    options?: StoreMessageOptions,
  ): Promise<StoreMessageOutcome | MailboxFullOutcome>;
  /**
   * commitGroup, unless the envelopes would put a device over `quota`; the devices of
   * `exemptUserIds` (members the commit removes) take their envelope whatever their usage.
   */
  commitGroupWithinQuota(
    commit: GroupCommit,
    quota: MailboxQuota,
    exemptUserIds: readonly string[],
  ): Promise<CommitOutcome | MailboxFullOutcome>;
}

// --- sealed sends (no sender known: idempotency per recipient and clientMessageId) ---

/**
 * A sealed send's idempotency record for one recipient: keyed on a hash of (recipient,
 * clientMessageId), so it names no one, and kept as long as sent-message records.
 */
export interface SealedSendRecord {
  /** Hex SHA-256 of the recipient and the clientMessageId. */
  readonly key: string;
  readonly messageId: string;
  readonly serverTimestamp: Date;
  readonly recipients: number;
}

export type SealedStoreOutcome =
  /** Stored now, or an earlier attempt's claim finished: `envelopes` are the rows written. */
  | {
      readonly kind: 'stored';
      readonly sent: SealedSendRecord;
      readonly envelopes: readonly EnvelopeRecord[];
    }
  /** One of the records existed: nothing was stored now; `sent` is the earlier send's. */
  | { readonly kind: 'duplicate'; readonly sent: SealedSendRecord }
  | MailboxFullOutcome;

export interface SealedSendStore {
  /** The first of `keys` that has a record (a retry of a sealed send), else null. */
  findSealedSend(keys: readonly string[]): Promise<SealedSendRecord | null>;
  /**
   * Stores the envelopes with one record per recipient, unless a record exists already
   * (`duplicate`) or the envelopes would put a device over `quota` (`mailbox-full`). Idempotent
   * whatever step fails, as `storeMessage`. SQLite does it in one transaction; CQL claims the
   * first record (the decision, pending), writes the envelopes, then the records.
   */
  storeSealedWithinQuota(
    records: readonly SealedSendRecord[],
    envelopes: readonly EnvelopeRecord[],
    quota: MailboxQuota,
  ): Promise<SealedStoreOutcome>;
}

// --- the wake-up outbox (wake-ups the bus did not take, published again by the relay) ---

/** A wake-up for one stored envelope: what `guardyn.mailbox` and `guardyn.push` carry. */
export interface Wakeup {
  readonly envelopeId: string;
  readonly userId: string;
  readonly deviceId: number;
  /** When it was kept: the outbox drops wake-ups a day old (`wakeupOutboxTtlMs`). */
  readonly createdAt: Date;
}

/** How long an unpublished wake-up is kept: as long as the bus keeps a durable one. */
export const wakeupOutboxTtlMs = 24 * 3600_000;

export interface WakeupOutboxStore {
  /** Keeps wake-ups the bus did not take (idempotent on the envelope id). */
  keepWakeups(wakeups: readonly Wakeup[]): Promise<void>;
  /** Up to `limit` kept wake-ups younger than a day at `now`, in no particular order. */
  keptWakeups(limit: number, now: Date): Promise<Wakeup[]>;
  /** Drops the kept wake-ups of these envelopes (published, or gone); unknown ids are ignored. */
  dropWakeups(envelopeIds: readonly string[]): Promise<void>;
  /** How many wake-ups are kept (approximate on CQL: expired ones may count until dropped). */
  countKeptWakeups(): Promise<number>;
}
