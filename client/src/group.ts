/**
 * A group conversation on MLS (RFC 9420, ts-mls). The server orders commits by epoch
 * (STALE_EPOCH otherwise) and fans messages out; it never sees a key. Adding members claims one
 * KeyPackage per device of each user, commits Add proposals and sends the Welcome with the commit;
 * removing commits Remove proposals for every device of each user.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import {
  createApplicationMessage,
  createCommit,
  createGroup as createMlsGroup,
  encodeMlsMessage,
  type ClientState,
  type Proposal,
} from 'ts-mls';
import {
  ClaimKeyPackagesDocument,
  CommitGroupDocument,
  CreateGroupDocument,
  LeaveGroupDocument,
  SendGroupMessageDocument,
} from './generated/operations.js';
import type { Device } from './device.js';
import { bodyBytes, fromBase64, toBase64 } from './encoding.js';
import { loadGroupState, memberLeaves, memberUserIds, saveGroupState } from './group-state.js';
import { currentDevices } from './device-lists.js';
import { sendWelcomeToOwnDevices } from './direct-send.js';
import { decodeKeyPackageMessage, forgetKeyPackage, newKeyPackage } from './mls-keys.js';

export class Group {
  constructor(
    private readonly device: Device,
    /** The conversation id (also `groupId` of the group's messages). */
    readonly id: string,
  ) {}

  /** Registers a group on the server, creates it at epoch 0, and adds `userIds`. */
  static async create(device: Device, userIds: readonly string[]): Promise<Group> {
    const mlsGroupId = randomBytes(16);
    const { createGroup } = await device.session.request(CreateGroupDocument, {
      input: { mlsGroupId: toBase64(mlsGroupId) },
    });
    const own = await newKeyPackage(device.mls);
    const state = await createMlsGroup(
      mlsGroupId,
      own.keyPackage,
      own.privatePackage,
      [],
      device.mls.cipherSuite,
    );
    await saveGroupState(device.store, createGroup.id, state);
    const group = new Group(device, createGroup.id);
    // The account's other devices are members too: every device of every member reads the group.
    const ownOthers = [...(await currentDevices(device, device.account.userId)).keys()].filter(
      (id) => id !== device.account.deviceId,
    );
    if (userIds.length > 0 || ownOthers.length > 0) {
      await group.#add(userIds, ownOthers.length > 0);
    }
    return group;
  }

  /** The members' user ids, as this device's MLS state has them. */
  async members(): Promise<string[]> {
    return memberUserIds(await this.#state());
  }

  /** The MLS epoch, which is also the server's epoch of the conversation. */
  async epoch(): Promise<number> {
    return Number((await this.#state()).groupContext.epoch);
  }

  /** Encrypts for the group's current epoch and sends to every other member device. */
  send(body: Uint8Array | string): Promise<{ messageId: string; recipients: number }> {
    return this.device.serial.run(() => this.#send(body));
  }

  async #send(body: Uint8Array | string): Promise<{ messageId: string; recipients: number }> {
    const state = await this.#state();
    const result = await createApplicationMessage(
      state,
      bodyBytes(body),
      this.device.mls.cipherSuite,
    );
    // The sender ratchet moved: keep it even if the send fails, a key is never used twice.
    await saveGroupState(this.device.store, this.id, result.newState);
    const message = encodeMlsMessage({
      version: 'mls10',
      wireformat: 'mls_private_message',
      privateMessage: result.privateMessage,
    });
    const { sendGroupMessage } = await this.device.session.request(SendGroupMessageDocument, {
      input: {
        conversationId: this.id,
        epoch: Number(state.groupContext.epoch),
        message: toBase64(message),
        clientMessageId: randomUUID(),
      },
    });
    return sendGroupMessage;
  }

  /** Adds every device of each user (one claimed KeyPackage each); they get the Welcome. */
  add(userIds: readonly string[]): Promise<void> {
    return this.#add(userIds, false);
  }

  /**
   * With `withOwnDevices`, the account's other devices too: the server sends Welcomes to added
   * users only, so theirs goes to them in a one-to-one note to self once the commit is accepted.
   */
  async #add(userIds: readonly string[], withOwnDevices: boolean): Promise<void> {
    const own = this.device.account;
    const { claimKeyPackages } = await this.device.session.request(ClaimKeyPackagesDocument, {
      userIds: withOwnDevices ? [...userIds, own.userId] : [...userIds],
    });
    const claims = [];
    for (const claim of claimKeyPackages) {
      const keyPackage = decodeKeyPackageMessage(fromBase64(claim.keyPackage));
      if (claim.userId === own.userId && claim.deviceId === own.deviceId) {
        // This device's own KeyPackage came with its account's: it is not needed, replace it.
        if (await forgetKeyPackage(this.device.store, this.device.mls, keyPackage)) {
          await this.device.uploadKeyPackages(1);
        }
      } else {
        claims.push({ userId: claim.userId, keyPackage });
      }
    }
    const proposals: Proposal[] = claims.map((claim) => ({
      proposalType: 'add',
      add: { keyPackage: claim.keyPackage },
    }));
    const welcome = await this.#commit(() => proposals, { addedUserIds: [...userIds] });
    if (welcome !== undefined && claims.some((claim) => claim.userId === own.userId)) {
      await sendWelcomeToOwnDevices(this.device, this.id, welcome);
    }
  }

  /** Removes every device of each user. */
  async remove(userIds: readonly string[]): Promise<void> {
    const proposals = (state: ClientState): Proposal[] =>
      memberLeaves(state)
        .filter((leaf) => userIds.some((userId) => leaf.identity.startsWith(`${userId}.`)))
        .map((leaf) => ({ proposalType: 'remove', remove: { removed: leaf.leafIndex } }));
    await this.#commit(proposals, { removedUserIds: [...userIds] });
  }

  /** Leaves the conversation on the server and forgets the group's keys. */
  async leave(): Promise<void> {
    await this.device.session.request(LeaveGroupDocument, { conversationId: this.id });
    await this.device.store.delete('groups', this.id);
  }

  /** Commits the proposals made from the current state (both under the device's serial line). */
  #commit(
    proposals: (state: ClientState) => Proposal[],
    members: { addedUserIds?: string[]; removedUserIds?: string[] },
  ): Promise<Uint8Array | undefined> {
    return this.device.serial.run(() => this.#commitNow(proposals, members));
  }

  /** Returns the encoded Welcome, when the commit added anyone. */
  async #commitNow(
    proposals: (state: ClientState) => Proposal[],
    members: { addedUserIds?: string[]; removedUserIds?: string[] },
  ): Promise<Uint8Array | undefined> {
    const state = await this.#state();
    const result = await createCommit(
      { state, cipherSuite: this.device.mls.cipherSuite },
      { extraProposals: proposals(state), ratchetTreeExtension: true },
    );
    const welcome =
      result.welcome === undefined
        ? undefined
        : encodeMlsMessage({
            version: 'mls10',
            wireformat: 'mls_welcome',
            welcome: result.welcome,
          });
    // The server takes a Welcome only for added users (none when only own devices are added).
    const forServer = welcome !== undefined && (members.addedUserIds?.length ?? 0) > 0;
    await this.device.session.request(CommitGroupDocument, {
      input: {
        conversationId: this.id,
        epoch: Number(state.groupContext.epoch),
        commit: toBase64(encodeMlsMessage(result.commit)),
        ...(forServer ? { welcome: toBase64(welcome) } : {}),
        ...members,
      },
    });
    // Only now: a commit the server refused (STALE_EPOCH) must not move this device on.
    await saveGroupState(this.device.store, this.id, result.newState);
    return welcome;
  }

  async #state(): Promise<ClientState> {
    const state = await loadGroupState(this.device.store, this.id);
    if (state === undefined) throw new Error(`this device is not in group ${this.id}`);
    return state;
  }
}
