import { randomUUID } from 'node:crypto';
import type { Principal } from '../../shared/auth/index.js';
import {
  BadUserInputError,
  NotFoundError,
  PayloadTooLargeError,
} from '../../shared/errors/index.js';
import { uuid7 } from '../../shared/ids/index.js';
import type { Delivery, SendResult } from './delivery.js';
import type { DeviceDirectory } from './device-directory.js';
import type { MessagingEvents } from './events.js';
import { planFanOut } from './fan-out.js';
import { storedBytes, type SendLimits } from './send-limits.js';
import {
  type ConversationRecord,
  type EnvelopeRecord,
  type EnvelopeType,
  type MailboxPage,
  type MailboxQuota,
  type MessagingStore,
} from './store.js';

/** Who is asking, with the credentials to ask other subgraphs on their behalf. */
export interface Requester {
  readonly principal: Principal;
  readonly authorization: string | undefined;
}

export interface OutgoingEnvelopeInput {
  /** Whose device: the recipient (default) or the sender's own other device. */
  readonly userId?: string | null;
  readonly deviceId: number;
  readonly registrationId: number;
  readonly type: EnvelopeType;
  readonly content: Uint8Array;
}

export interface SendMessageInput {
  readonly recipientId: string;
  readonly clientMessageId: string;
  readonly envelopes: readonly OutgoingEnvelopeInput[];
  /** Ask for RECEIPT envelopes when the recipient's devices ack. @default true */
  readonly deliveryReceipts?: boolean | null;
}

export type { SendResult };

export interface MessagingServiceOptions {
  /** Largest envelope content. @default 256 KiB */
  readonly maxEnvelopeBytes: number;
  /** Most envelopes in one send (a recipient's and one's own devices). @default 32 */
  readonly maxEnvelopesPerSend: number;
  /** How long an unacked envelope is kept. @default 30 days */
  readonly retentionMs: number;
  /** Most members an MLS group may have. @default 1000 */
  readonly maxGroupMembers: number;
  /** Sends per sender user per sliding minute (GUARDYN_MESSAGING__SEND_RATE_PER_MINUTE). @default 30 */
  readonly sendsPerMinute: number;
  /** Envelope bytes stored per sender user per sliding minute. @default 32 MiB */
  readonly sendBytesPerMinute: number;
  /** Per-device mailbox quota. @default 100000 envelopes, 512 MiB */
  readonly mailboxQuota: MailboxQuota;
}

export const defaultMessagingOptions: MessagingServiceOptions = {
  maxEnvelopeBytes: 256 * 1024,
  maxEnvelopesPerSend: 32,
  retentionMs: 30 * 24 * 3600_000,
  maxGroupMembers: 1000,
  sendsPerMinute: 30,
  sendBytesPerMinute: 32 * 1024 * 1024,
  mailboxQuota: { maxEnvelopes: 100_000, maxBytes: 512 * 1024 * 1024 },
};

/** SEALED_SENDER goes through sendSealedMessage, without a token (sealed-delivery.ts). */
const signalEnvelopeTypes: readonly EnvelopeType[] = ['PREKEY_MESSAGE', 'SIGNAL_MESSAGE'];
const maxAckIds = 1000;

/**
 * 1:1 delivery and mailboxes (the MLS groups are GroupService's). Everything a sender is told
 * was stored is in each recipient device's mailbox before the call returns; events only wake
 * readers up.
 */
export class MessagingService {
  private readonly options: MessagingServiceOptions;

  constructor(
    private readonly store: MessagingStore,
    private readonly directory: DeviceDirectory,
    private readonly events: MessagingEvents,
    private readonly delivery: Delivery,
    private readonly limits: SendLimits,
    options: Partial<MessagingServiceOptions> = {},
    private readonly now: () => Date = () => new Date(),
  ) {
    this.options = { ...defaultMessagingOptions, ...options };
  }

  // --- 1:1 (Signal) ---

  async sendMessage(requester: Requester, input: SendMessageInput): Promise<SendResult> {
    const { principal } = requester;
    this.delivery.checkClientMessageId(input.clientMessageId);
    this.delivery.checkEnvelopeCount(input.envelopes.length, this.options.maxEnvelopesPerSend);
    for (const envelope of input.envelopes) {
      if (!signalEnvelopeTypes.includes(envelope.type)) {
        throw new BadUserInputError(
          `sendMessage carries ${signalEnvelopeTypes.join(', ')}; not ${envelope.type}`,
          {
            field: 'envelopes',
          },
        );
      }
      this.delivery.checkContentSize(envelope.content);
    }

    const previous = await this.store.findSentMessage(
      principal.userId,
      principal.deviceId,
      input.clientMessageId,
    );
    if (previous) return previous;
    this.limits.takeSend(principal.userId);
    this.limits.takeBytes(principal.userId, storedBytes(input.envelopes));

    const devices = await this.directory.devicesOf(
      [input.recipientId, principal.userId],
      requester.authorization,
    );
    const recipientDevices = devices.get(input.recipientId);
    if (!recipientDevices) throw new NotFoundError('No such recipient');
    const targets = planFanOut({
      senderUserId: principal.userId,
      senderDeviceId: principal.deviceId,
      recipientId: input.recipientId,
      envelopes: input.envelopes,
      recipientDevices,
      senderDevices: devices.get(principal.userId) ?? [],
    });
    // Before the conversation is created: a refused send leaves nothing behind.
    await this.limits.refuseFullMailboxes(
      targets.map((target) => ({
        recipientUserId: target.userId,
        recipientDeviceId: target.deviceId,
        content: target.envelope.content,
      })),
    );

    const now = this.now();
    const conversation =
      input.recipientId === principal.userId
        ? null
        : await this.store.ensureDirectConversation(
            [principal.userId, input.recipientId],
            randomUUID(),
            now,
          );
    const message = { messageId: uuid7(now.getTime()), now };
    const receiptRequested = input.deliveryReceipts !== false;
    const sender = { principal, conversationId: conversation?.id ?? null };
    const envelopes = targets.map((target): EnvelopeRecord => ({
      ...this.delivery.envelope(
        message,
        target,
        target.envelope.type,
        target.envelope.content,
        sender,
      ),
      receiptRequested: receiptRequested && target.userId !== principal.userId,
    }));
    const speaker = conversation
      ? { conversationId: conversation.id, userId: principal.userId }
      : undefined;
    return this.delivery.storeAndAnnounce(
      principal,
      input.clientMessageId,
      message,
      envelopes,
      speaker ? { speaker } : {},
    );
  }

  async inbox(principal: Principal, first: number, after: string | null): Promise<MailboxPage> {
    if (!Number.isInteger(first) || first < 1 || first > 500) {
      throw new BadUserInputError('first must be from 1 to 500', { field: 'first' });
    }
    if (after !== null && after.length > 64)
      throw new BadUserInputError('after is not a cursor', { field: 'after' });
    return this.store.readMailbox(principal.userId, principal.deviceId, after, first, this.now());
  }

  /** Deletes the caller's envelopes among `ids`; others' ids are ignored. Sends delivery receipts. */
  async ackEnvelopes(requester: Requester, ids: readonly string[]): Promise<number> {
    const { principal } = requester;
    if (ids.length > maxAckIds) throw new PayloadTooLargeError(`at most ${maxAckIds} ids per ack`);
    const deleted = await this.store.deleteEnvelopes(principal.userId, principal.deviceId, [
      ...new Set(ids),
    ]);
    await this.sendReceipts(requester, deleted);
    return deleted.length;
  }

  async envelope(principal: Principal, id: string): Promise<EnvelopeRecord | null> {
    return this.store.findEnvelope(principal.userId, principal.deviceId, id, this.now());
  }

  /** Each envelope, if it is in the caller's device's mailbox, in the order asked: one store call. */
  async envelopes(
    principal: Principal,
    ids: readonly string[],
  ): Promise<(EnvelopeRecord | null)[]> {
    const found =
      ids.length > 0
        ? await this.store.findEnvelopes(principal.userId, principal.deviceId, ids, this.now())
        : [];
    const byId = new Map(found.map((envelope) => [envelope.id, envelope]));
    return ids.map((id) => byId.get(id) ?? null);
  }

  /**
   * Those of `userIds` whose presence the caller may see: the caller, and whoever has spoken in
   * a conversation (their direct one, or a group both belong to now) with the caller. Only what
   * the user did themselves counts, so no one can open another's presence to themselves.
   */
  async presenceRevealedTo(principal: Principal, userIds: readonly string[]): Promise<Set<string>> {
    const others = [...new Set(userIds)].filter((userId) => userId !== principal.userId);
    const speakers =
      others.length > 0
        ? await this.store.speakersSharingConversationWith(principal.userId, others)
        : new Set<string>();
    return new Set(userIds.filter((userId) => userId === principal.userId || speakers.has(userId)));
  }

  async conversations(principal: Principal): Promise<ConversationRecord[]> {
    return this.store.listConversations(principal.userId);
  }

  /** A conversation the caller is a member of; NOT_FOUND otherwise (existence is not revealed). */
  async conversation(principal: Principal, id: string): Promise<ConversationRecord> {
    const conversation = await this.store.findConversation(id);
    if (!conversation || !conversation.memberIds.includes(principal.userId))
      throw new NotFoundError('No such conversation');
    return conversation;
  }

  /**
   * Each conversation if the caller is a member, else null (as `conversation`, existence is not
   * revealed), in the order asked: one store call for the whole list.
   */
  async conversationsByIds(
    principal: Principal,
    ids: readonly string[],
  ): Promise<(ConversationRecord | null)[]> {
    const found = ids.length > 0 ? await this.store.findConversations(ids) : [];
    const visible = new Map(
      found
        .filter((conversation) => conversation.memberIds.includes(principal.userId))
        .map((conversation) => [conversation.id, conversation]),
    );
    return ids.map((id) => visible.get(id) ?? null);
  }

  /** A removed device's mailbox goes with it. */
  async deviceRemoved(userId: string, deviceId: number): Promise<number> {
    return this.store.deleteMailbox(userId, deviceId);
  }

  /**
   * An account was deleted (`guardyn.account.deleted`): its mailboxes, records and direct
   * conversations go, and it leaves each group as if removed. The server cannot make the MLS
   * commit that removes its leaves: the other members see the membership change (the event and
   * `members`) and remove them with their next commit. Safe to run again.
   */
  async accountDeleted(userId: string, deviceIds: readonly number[]): Promise<void> {
    const groups = await this.store.deleteUserData(userId, deviceIds);
    const at = this.now().toISOString();
    for (const conversationId of groups) {
      await this.events.membershipChanged({
        conversationId,
        removedUserIds: [userId],
        addedUserIds: [],
        at,
      });
    }
  }

  /** Drops expired envelopes and idempotency records older than the retention. */
  async expireMailboxes(): Promise<number> {
    const now = this.now();
    return this.store.deleteExpired(now, new Date(now.getTime() - this.options.retentionMs));
  }

  // --- internals ---

  private async sendReceipts(
    requester: Requester,
    acked: readonly EnvelopeRecord[],
  ): Promise<void> {
    const wanted = acked.filter(
      (envelope) => envelope.receiptRequested && envelope.senderUserId !== null,
    );
    if (wanted.length === 0) return;
    const senders = [...new Set(wanted.map((envelope) => envelope.senderUserId as string))];
    const devices = await this.directory.devicesOf(senders, requester.authorization);
    const now = this.now();
    const { principal } = requester;
    const receipts = wanted.flatMap((envelope) => {
      const senderId = envelope.senderUserId as string;
      const content = new TextEncoder().encode(
        JSON.stringify({
          messageId: envelope.messageId,
          userId: principal.userId,
          deviceId: principal.deviceId,
        }),
      );
      const message = { messageId: uuid7(now.getTime()), now };
      return (devices.get(senderId) ?? []).map((device) =>
        this.delivery.envelope(
          message,
          { userId: senderId, deviceId: device.deviceId },
          'RECEIPT',
          content,
          {
            principal,
            conversationId: envelope.conversationId,
          },
        ),
      );
    });
    await this.store.storeEnvelopes(receipts);
    await this.events.envelopesStored(receipts);
  }
}
