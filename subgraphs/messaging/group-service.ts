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
import type { Delivery, SendResult } from './delivery.js';
import type { DeviceDirectory, DeviceInfo } from './device-directory.js';
import type { MessagingEvents } from './events.js';
import { checkFrame, checkWelcome, readMlsFrame, type MlsFrame } from './mls-framing.js';
import { MailboxFullError, storedBytes, type SendLimits } from './send-limits.js';
import type { Requester } from './service.js';
import {
  GroupExistsError,
  type ConversationRecord,
  type EnvelopeType,
  type MessagingStore,
} from './store.js';

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

const maxMlsGroupIdBytes = 255;
/** Most users added or removed by one commit. */
const maxMembershipChange = 100;

function deviceTargets(userIds: readonly string[], devices: Map<string, DeviceInfo[] | null>) {
  return userIds.flatMap((userId) =>
    (devices.get(userId) ?? []).map((device) => ({ userId, deviceId: device.deviceId })),
  );
}

/**
 * The MLS delivery service (RFC 9420 §16): groups, their epochs and members. It reads only the
 * framing of MLS messages (group, epoch, content type) and orders commits with a compare-and-set
 * on the epoch; the cryptography stays with the clients.
 */
export class GroupService {
  constructor(
    private readonly store: MessagingStore,
    private readonly directory: DeviceDirectory,
    private readonly events: MessagingEvents,
    private readonly delivery: Delivery,
    private readonly maxGroupMembers: number,
    private readonly limits: SendLimits,
    private readonly now: () => Date = () => new Date(),
  ) {}

  /** Registers an MLS group at epoch 0 with the caller as its only member. */
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
      if (error instanceof GroupExistsError) {
        throw new ConflictError('this MLS group id is registered already', { cause: error });
      }
      throw error;
    }
  }

  /**
   * Accepts a commit made at the group's current epoch and advances it by one, atomically with
   * the membership change and the delivery of the commit (to every member device but the
   * committer's, removed members included) and of the Welcome (to the added users' devices).
   */
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
    this.delivery.checkContentSize(input.commit);
    checkFrame(
      readMlsFrame(input.commit, 'commit'),
      expectedFrame(group, input.epoch, ['commit']),
      'commit',
    );
    if (input.epoch !== group.epoch) throw new StaleEpochError(group.epoch ?? 0);
    if (added.length > 0) {
      if (!input.welcome)
        throw new BadUserInputError('adding members needs a welcome', { field: 'welcome' });
      this.delivery.checkContentSize(input.welcome);
      checkWelcome(input.welcome, 'welcome');
    } else if (input.welcome) {
      throw new BadUserInputError('a welcome needs addedUserIds', { field: 'welcome' });
    }
    for (const userId of added) {
      if (group.memberIds.includes(userId)) {
        throw new BadUserInputError(`${userId} is a member already`, { field: 'addedUserIds' });
      }
    }
    for (const userId of removed) {
      if (!group.memberIds.includes(userId)) {
        throw new BadUserInputError(`${userId} is not a member`, { field: 'removedUserIds' });
      }
      if (added.includes(userId)) {
        throw new BadUserInputError(`${userId} is both added and removed`, {
          field: 'removedUserIds',
        });
      }
    }
    if (group.memberIds.length + added.length - removed.length > this.maxGroupMembers) {
      throw new PayloadTooLargeError(`a group has at most ${this.maxGroupMembers} members`);
    }

    // Commits count as sends: each reaches every member device (and Welcomes strangers).
    this.limits.takeSend(principal.userId);
    const devices = await this.directory.devicesOf(
      [...group.memberIds, ...added],
      requester.authorization,
    );
    for (const userId of added)
      if (!devices.get(userId)) throw new NotFoundError(`No such user: ${userId}`);

    const now = this.now();
    const message = { messageId: uuid7(now.getTime()), now };
    const sender = { principal, conversationId: group.id };
    const envelope = (
      target: { userId: string; deviceId: number },
      type: EnvelopeType,
      content: Uint8Array,
    ) => this.delivery.envelope(message, target, type, content, sender);
    const envelopes = [
      ...deviceTargets(group.memberIds, devices)
        .filter((target) => !isDevice(target, principal))
        .map((target) => envelope(target, 'MLS_COMMIT', input.commit)),
      ...deviceTargets(added, devices).map((target) =>
        envelope(target, 'MLS_WELCOME', input.welcome ?? new Uint8Array()),
      ),
    ];
    this.limits.takeBytes(principal.userId, storedBytes(envelopes));
    const commit = {
      conversationId: group.id,
      expectedEpoch: input.epoch,
      addedUserIds: added,
      removedUserIds: removed,
      committerUserId: principal.userId,
      envelopes,
    };
    // All or none; members it removes take it even when full, so a full mailbox can be removed.
    const { mailboxQuota } = this.limits;
    const outcome = await this.store.commitGroupWithinQuota(commit, mailboxQuota, removed);
    if (outcome.kind === 'mailbox-full') throw new MailboxFullError(mailboxQuota, outcome.full);
    if (outcome.kind === 'stale-epoch') throw new StaleEpochError(outcome.currentEpoch);
    await this.events.envelopesStored(envelopes);
    if (added.length > 0 || removed.length > 0) {
      await this.events.membershipChanged({
        conversationId: group.id,
        removedUserIds: removed,
        addedUserIds: added,
        at: now.toISOString(),
      });
    }
    return outcome.conversation;
  }

  /** Fans an application message of the current epoch out to every other member device. */
  async sendGroupMessage(requester: Requester, input: GroupMessageInput): Promise<SendResult> {
    const { principal } = requester;
    this.delivery.checkClientMessageId(input.clientMessageId);
    this.delivery.checkContentSize(input.message);
    const group = await this.memberGroup(principal, input.conversationId);
    checkFrame(
      readMlsFrame(input.message, 'message'),
      expectedFrame(group, input.epoch, ['application']),
      'message',
    );

    const previous = await this.store.findSentMessage(
      principal.userId,
      principal.deviceId,
      input.clientMessageId,
    );
    if (previous) return previous;
    if (input.epoch !== group.epoch) throw new StaleEpochError(group.epoch ?? 0);
    this.limits.takeSend(principal.userId);

    const devices = await this.directory.devicesOf(group.memberIds, requester.authorization);
    const now = this.now();
    const message = { messageId: uuid7(now.getTime()), now };
    const envelopes = deviceTargets(group.memberIds, devices)
      .filter((target) => !isDevice(target, principal))
      .map((target) =>
        this.delivery.envelope(message, target, 'MLS_APPLICATION', input.message, {
          principal,
          conversationId: group.id,
        }),
      );
    // A full member device misses the message rather than silencing the group.
    const deliverable = await this.limits.withoutFullMailboxes(envelopes);
    this.limits.takeBytes(principal.userId, storedBytes(deliverable));
    return this.delivery.storeAndAnnounce(principal, input.clientMessageId, message, deliverable, {
      condition: { conversationId: group.id, epoch: input.epoch },
      speaker: { conversationId: group.id, userId: principal.userId },
    });
  }

  /** The caller leaves: nothing more is delivered to them. */
  async leaveGroup(principal: Principal, conversationId: string): Promise<boolean> {
    const group = await this.memberGroup(principal, conversationId);
    const left = await this.store.removeMember(group.id, principal.userId);
    if (left) {
      await this.events.membershipChanged({
        conversationId: group.id,
        removedUserIds: [principal.userId],
        addedUserIds: [],
        at: this.now().toISOString(),
      });
    }
    return left;
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
}

function isDevice(target: { userId: string; deviceId: number }, principal: Principal): boolean {
  return target.userId === principal.userId && target.deviceId === principal.deviceId;
}

function expectedFrame(
  group: ConversationRecord,
  epoch: number,
  contentTypes: MlsFrame['contentType'][],
) {
  return { groupId: group.mlsGroupId ?? new Uint8Array(), epoch, contentTypes };
}
