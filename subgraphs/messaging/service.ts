import { randomUUID } from 'node:crypto';
import type { Principal } from '../../shared/auth/index.js';
import {
  BadUserInputError,
  ConflictError,
  ForbiddenError,
  NotFoundError,
  PayloadTooLargeError,
  StaleEpochError,
} from '../../shared/errors/index.js';
import { uuid7 } from '../../shared/ids/index.js';
import type { DeviceDirectory, DeviceInfo } from './device-directory.js';
import type { MessagingEvents } from './events.js';
import { planFanOut } from './fan-out.js';
import { checkFrame, checkWelcome, readMlsFrame } from './mls-framing.js';
import {
  GroupExistsError,
  type ConversationRecord,
  type EnvelopeRecord,
  type EnvelopeType,
  type MailboxPage,
  type MessagingStore,
  type SentMessageRecord,
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

export interface CommitInput {
  readonly conversationId: string;
  readonly epoch: number;
  readonly commit: Uint8Array;
  readonly welcome?: Uint8Array | null;
  readonly addedUserIds?: readonly string[] | null;
  readonly removedUserIds?: readonly string[] | null;
}

export interface GroupMessageInput {
  readonly conversationId: string;
  readonly epoch: number;
  readonly message: Uint8Array;
  readonly clientMessageId: string;
}

export interface MessagingServiceOptions {
  /** Largest envelope content. @default 256 KiB */
  readonly maxEnvelopeBytes: number;
  /** Most envelopes in one send (a recipient's and one's own devices). @default 32 */
  readonly maxEnvelopesPerSend: number;
  /** How long an unacked envelope is kept. @default 30 days */
  readonly retentionMs: number;
  /** Most members an MLS group may have. @default 1000 */
  readonly maxGroupMembers: number;
}

export const defaultMessagingOptions: MessagingServiceOptions = {
  maxEnvelopeBytes: 256 * 1024,
  maxEnvelopesPerSend: 32,
  retentionMs: 30 * 24 * 3600_000,
  maxGroupMembers: 1000,
};

const signalEnvelopeTypes: readonly EnvelopeType[] = [
  'PREKEY_MESSAGE',
  'SIGNAL_MESSAGE',
  'SEALED_SENDER',
];
const maxClientMessageIdLength = 128;
const maxAckIds = 1000;
const maxMlsGroupIdBytes = 255;
/** Most users added or removed by one commit. */
const maxMembershipChange = 100;

export interface SendResult {
  readonly messageId: string;
  readonly serverTimestamp: Date;
  readonly recipients: number;
}

/**
 * The mailbox and MLS delivery service. Everything a sender is told was stored is in each
 * recipient device's mailbox before the call returns; events only wake readers up.
 */
export class MessagingService {
  private readonly options: MessagingServiceOptions;

  constructor(
    private readonly store: MessagingStore,
    private readonly directory: DeviceDirectory,
    private readonly events: MessagingEvents,
    options: Partial<MessagingServiceOptions> = {},
    private readonly now: () => Date = () => new Date(),
  ) {
    this.options = { ...defaultMessagingOptions, ...options };
  }

  // --- 1:1 (Signal) ---

  async sendMessage(requester: Requester, input: SendMessageInput): Promise<SendResult> {
    const { principal } = requester;
    this.checkClientMessageId(input.clientMessageId);
    if (input.envelopes.length === 0)
      throw new BadUserInputError('envelopes is empty', { field: 'envelopes' });
    if (input.envelopes.length > this.options.maxEnvelopesPerSend) {
      throw new PayloadTooLargeError(
        `at most ${this.options.maxEnvelopesPerSend} envelopes per send`,
      );
    }
    for (const envelope of input.envelopes) {
      if (!signalEnvelopeTypes.includes(envelope.type)) {
        throw new BadUserInputError(
          `sendMessage carries ${signalEnvelopeTypes.join(', ')}; not ${envelope.type}`,
          {
            field: 'envelopes',
          },
        );
      }
      this.checkContentSize(envelope.content);
    }

    const previous = await this.store.findSentMessage(
      principal.userId,
      principal.deviceId,
      input.clientMessageId,
    );
    if (previous) return previous;

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

    const now = this.now();
    const conversation =
      input.recipientId === principal.userId
        ? null
        : await this.store.ensureDirectConversation(
            [principal.userId, input.recipientId],
            randomUUID(),
            now,
          );
    const messageId = uuid7(now.getTime());
    const receiptRequested = input.deliveryReceipts !== false;
    const envelopes = targets.map((target): EnvelopeRecord => ({
      ...this.newEnvelope(
        messageId,
        now,
        target.userId,
        target.deviceId,
        target.envelope.type,
        target.envelope.content,
      ),
      senderUserId: target.envelope.type === 'SEALED_SENDER' ? null : principal.userId,
      senderDeviceId: target.envelope.type === 'SEALED_SENDER' ? null : principal.deviceId,
      conversationId: target.envelope.type === 'SEALED_SENDER' ? null : (conversation?.id ?? null),
      receiptRequested:
        receiptRequested &&
        target.userId !== principal.userId &&
        target.envelope.type !== 'SEALED_SENDER',
    }));
    return this.storeAndAnnounce(principal, input.clientMessageId, messageId, now, envelopes);
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

  /** Whether the caller may see things about `userId` that only conversation peers see. */
  async sharesConversation(principal: Principal, userId: string): Promise<boolean> {
    return principal.userId === userId || this.store.shareConversation(principal.userId, userId);
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

  // --- MLS groups (delivery service) ---

  async createGroup(principal: Principal, mlsGroupId: Uint8Array): Promise<ConversationRecord> {
    if (mlsGroupId.length === 0 || mlsGroupId.length > maxMlsGroupIdBytes) {
      throw new BadUserInputError(`mlsGroupId must be 1 to ${maxMlsGroupIdBytes} bytes`, {
        field: 'mlsGroupId',
      });
    }
    try {
      return await this.store.createGroup({
        id: randomUUID(),
        kind: 'GROUP',
        mlsGroupId,
        epoch: 0,
        createdAt: this.now(),
        memberIds: [principal.userId],
      });
    } catch (error) {
      if (error instanceof GroupExistsError)
        throw new ConflictError('this MLS group id is registered already', { cause: error });
      throw error;
    }
  }

  async commitGroup(requester: Requester, input: CommitInput): Promise<ConversationRecord> {
    const { principal } = requester;
    const group = await this.memberGroup(principal, input.conversationId);
    const added = [...new Set(input.addedUserIds ?? [])];
    const removed = [...new Set(input.removedUserIds ?? [])];
    if (added.length > maxMembershipChange || removed.length > maxMembershipChange) {
      throw new PayloadTooLargeError(
        `at most ${maxMembershipChange} users added or removed per commit`,
      );
    }
    this.checkContentSize(input.commit);
    checkFrame(
      readMlsFrame(input.commit, 'commit'),
      this.expectedFrame(group, input.epoch, ['commit']),
      'commit',
    );
    if (input.epoch !== group.epoch) throw new StaleEpochError(group.epoch ?? 0);
    if (added.length > 0) {
      if (!input.welcome)
        throw new BadUserInputError('adding members needs a welcome', { field: 'welcome' });
      this.checkContentSize(input.welcome);
      checkWelcome(input.welcome, 'welcome');
    } else if (input.welcome) {
      throw new BadUserInputError('a welcome needs addedUserIds', { field: 'welcome' });
    }
    for (const userId of added) {
      if (group.memberIds.includes(userId))
        throw new BadUserInputError(`${userId} is a member already`, { field: 'addedUserIds' });
    }
    for (const userId of removed) {
      if (!group.memberIds.includes(userId))
        throw new BadUserInputError(`${userId} is not a member`, { field: 'removedUserIds' });
      if (added.includes(userId))
        throw new BadUserInputError(`${userId} is both added and removed`, {
          field: 'removedUserIds',
        });
    }
    if (group.memberIds.length + added.length - removed.length > this.options.maxGroupMembers) {
      throw new PayloadTooLargeError(`a group has at most ${this.options.maxGroupMembers} members`);
    }

    const devices = await this.directory.devicesOf(
      [...group.memberIds, ...added],
      requester.authorization,
    );
    for (const userId of added)
      if (!devices.get(userId)) throw new NotFoundError(`No such user: ${userId}`);

    const now = this.now();
    const messageId = uuid7(now.getTime());
    // Every member before the commit learns of it (removed ones too: they learn they are out).
    const commitTargets = deviceTargets(group.memberIds, devices).filter(
      (target) => !(target.userId === principal.userId && target.deviceId === principal.deviceId),
    );
    const welcomeTargets = deviceTargets(added, devices);
    const envelopes = [
      ...commitTargets.map((target) =>
        this.groupEnvelope(principal, group, messageId, now, target, 'MLS_COMMIT', input.commit),
      ),
      ...welcomeTargets.map((target) =>
        this.groupEnvelope(
          principal,
          group,
          messageId,
          now,
          target,
          'MLS_WELCOME',
          input.welcome ?? new Uint8Array(),
        ),
      ),
    ];
    const outcome = await this.store.commitGroup({
      conversationId: group.id,
      expectedEpoch: input.epoch,
      addedUserIds: added,
      removedUserIds: removed,
      envelopes,
    });
    if (outcome.kind === 'stale-epoch') throw new StaleEpochError(outcome.currentEpoch);
    await this.events.envelopesStored(envelopes);
    return outcome.conversation;
  }

  async sendGroupMessage(requester: Requester, input: GroupMessageInput): Promise<SendResult> {
    const { principal } = requester;
    this.checkClientMessageId(input.clientMessageId);
    this.checkContentSize(input.message);
    const group = await this.memberGroup(principal, input.conversationId);
    checkFrame(
      readMlsFrame(input.message, 'message'),
      this.expectedFrame(group, input.epoch, ['application']),
      'message',
    );

    const previous = await this.store.findSentMessage(
      principal.userId,
      principal.deviceId,
      input.clientMessageId,
    );
    if (previous) return previous;
    if (input.epoch !== group.epoch) throw new StaleEpochError(group.epoch ?? 0);

    const devices = await this.directory.devicesOf(group.memberIds, requester.authorization);
    const now = this.now();
    const messageId = uuid7(now.getTime());
    const envelopes = deviceTargets(group.memberIds, devices)
      .filter(
        (target) => !(target.userId === principal.userId && target.deviceId === principal.deviceId),
      )
      .map((target) =>
        this.groupEnvelope(
          principal,
          group,
          messageId,
          now,
          target,
          'MLS_APPLICATION',
          input.message,
        ),
      );
    return this.storeAndAnnounce(principal, input.clientMessageId, messageId, now, envelopes, {
      conversationId: group.id,
      epoch: input.epoch,
    });
  }

  async leaveGroup(principal: Principal, conversationId: string): Promise<boolean> {
    const group = await this.memberGroup(principal, conversationId);
    return this.store.removeMember(group.id, principal.userId);
  }

  /** A removed device's mailbox goes with it. */
  async deviceRemoved(userId: string, deviceId: number): Promise<number> {
    return this.store.deleteMailbox(userId, deviceId);
  }

  /** Drops expired envelopes and idempotency records older than the retention. */
  async expireMailboxes(): Promise<number> {
    const now = this.now();
    return this.store.deleteExpired(now, new Date(now.getTime() - this.options.retentionMs));
  }

  // --- internals ---

  private async storeAndAnnounce(
    principal: Principal,
    clientMessageId: string,
    messageId: string,
    now: Date,
    envelopes: EnvelopeRecord[],
    condition?: { conversationId: string; epoch: number },
  ): Promise<SendResult> {
    const sent: SentMessageRecord = {
      senderUserId: principal.userId,
      senderDeviceId: principal.deviceId,
      clientMessageId,
      messageId,
      serverTimestamp: now,
      recipients: envelopes.length,
    };
    const outcome = await this.store.storeMessage(sent, envelopes, condition);
    if (outcome.kind === 'stale-epoch') throw new StaleEpochError(outcome.currentEpoch);
    if (outcome.kind === 'stored') await this.events.envelopesStored(envelopes);
    return outcome.sent;
  }

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
      return (devices.get(senderId) ?? []).map((device): EnvelopeRecord => ({
        ...this.newEnvelope(
          uuid7(now.getTime()),
          now,
          senderId,
          device.deviceId,
          'RECEIPT',
          content,
        ),
        senderUserId: principal.userId,
        senderDeviceId: principal.deviceId,
        conversationId: envelope.conversationId,
      }));
    });
    await this.store.storeEnvelopes(receipts);
    await this.events.envelopesStored(receipts);
  }

  private newEnvelope(
    messageId: string,
    now: Date,
    recipientUserId: string,
    recipientDeviceId: number,
    type: EnvelopeType,
    content: Uint8Array,
  ): EnvelopeRecord {
    return {
      id: uuid7(now.getTime()),
      messageId,
      recipientUserId,
      recipientDeviceId,
      type,
      senderUserId: null,
      senderDeviceId: null,
      conversationId: null,
      content,
      serverTimestamp: now,
      expiresAt: new Date(now.getTime() + this.options.retentionMs),
      receiptRequested: false,
    };
  }

  private groupEnvelope(
    principal: Principal,
    group: ConversationRecord,
    messageId: string,
    now: Date,
    target: { userId: string; deviceId: number },
    type: EnvelopeType,
    content: Uint8Array,
  ): EnvelopeRecord {
    return {
      ...this.newEnvelope(messageId, now, target.userId, target.deviceId, type, content),
      senderUserId: principal.userId,
      senderDeviceId: principal.deviceId,
      conversationId: group.id,
    };
  }

  private async memberGroup(
    principal: Principal,
    conversationId: string,
  ): Promise<ConversationRecord> {
    const group = await this.store.findConversation(conversationId);
    if (!group || group.kind !== 'GROUP') throw new NotFoundError('No such group');
    if (!group.memberIds.includes(principal.userId))
      throw new ForbiddenError('Only members may do this');
    return group;
  }

  private expectedFrame(
    group: ConversationRecord,
    epoch: number,
    contentTypes: ('commit' | 'application')[],
  ) {
    return { groupId: group.mlsGroupId ?? new Uint8Array(), epoch, contentTypes };
  }

  private checkClientMessageId(clientMessageId: string): void {
    if (clientMessageId.length === 0 || clientMessageId.length > maxClientMessageIdLength) {
      throw new BadUserInputError(
        `clientMessageId must be 1 to ${maxClientMessageIdLength} characters`,
        {
          field: 'clientMessageId',
        },
      );
    }
  }

  private checkContentSize(content: Uint8Array): void {
    if (content.length === 0) throw new BadUserInputError('content is empty', { field: 'content' });
    if (content.length > this.options.maxEnvelopeBytes) {
      throw new PayloadTooLargeError(
        `content is larger than ${this.options.maxEnvelopeBytes} bytes`,
        this.options.maxEnvelopeBytes,
      );
    }
  }
}

function deviceTargets(userIds: readonly string[], devices: Map<string, DeviceInfo[] | null>) {
  return userIds.flatMap((userId) =>
    (devices.get(userId) ?? []).map((device) => ({ userId, deviceId: device.deviceId })),
  );
}
