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
} from '../../schema/generated/operations.js';
import type { Device } from './device.js';
import { bodyBytes, fromBase64, toBase64 } from './encoding.js';
import { loadGroupState, memberLeaves, memberUserIds, saveGroupState } from './group-state.js';
import { decodeKeyPackageMessage, newKeyPackage } from './mls-keys.js';

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
    if (userIds.length > 0) await group.add(userIds);
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
  async add(userIds: readonly string[]): Promise<void> {
    const { claimKeyPackages } = await this.device.session.request(ClaimKeyPackagesDocument, {
      userIds: [...userIds],
    });
    const proposals: Proposal[] = claimKeyPackages.map((claim) => ({
      proposalType: 'add',
      add: { keyPackage: decodeKeyPackageMessage(fromBase64(claim.keyPackage)) },
    }));
    await this.#commit(() => proposals, { addedUserIds: [...userIds] });
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
  ): Promise<void> {
    return this.device.serial.run(() => this.#commitNow(proposals, members));
  }

  async #commitNow(
    proposals: (state: ClientState) => Proposal[],
    members: { addedUserIds?: string[]; removedUserIds?: string[] },
  ): Promise<void> {
    const state = await this.#state();
    const result = await createCommit(
      { state, cipherSuite: this.device.mls.cipherSuite },
      { extraProposals: proposals(state), ratchetTreeExtension: true },
    );
    const welcome =
      result.welcome === undefined
        ? undefined
        : toBase64(
            encodeMlsMessage({
              version: 'mls10',
              wireformat: 'mls_welcome',
              welcome: result.welcome,
            }),
          );
    await this.device.session.request(CommitGroupDocument, {
      input: {
        conversationId: this.id,
        epoch: Number(state.groupContext.epoch),
        commit: toBase64(encodeMlsMessage(result.commit)),
        ...(welcome === undefined ? {} : { welcome }),
        ...members,
      },
    });
    // Only now: a commit the server refused (STALE_EPOCH) must not move this device on.
    await saveGroupState(this.device.store, this.id, result.newState);
  }

  async #state(): Promise<ClientState> {
    const state = await loadGroupState(this.device.store, this.id);
    if (state === undefined) throw new Error(`this device is not in group ${this.id}`);
    return state;
  }
}
