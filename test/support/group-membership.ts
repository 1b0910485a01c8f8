/**
 * MLS groups as the delivery service sees them, for tests about membership: a group created by
 * one account with others added by a real commit and Welcome, and members removed by a real
 * commit. Only the owner keeps MLS state: the server checks the framing, not the cryptography.
 */
import { randomBytes } from 'node:crypto';
import type { TestAccount } from './accounts.js';
import {
  CommitGroupDocument,
  CreateGroupDocument,
  LeaveGroupDocument,
  SendGroupMessageDocument,
} from '../../schema/generated/operations.js';
import { expectData } from './graphql-client.js';
import { createKeyPackage, createMlsClient } from './mls-client.js';
import {
  addMembers,
  createMlsGroup,
  encryptApplicationMessage,
  removeMember,
  type MlsGroupMember,
} from './mls-group.js';
import { toBase64 } from './signal-device.js';

export interface TestGroup {
  readonly conversationId: string;
  readonly owner: TestAccount;
  readonly state: MlsGroupMember;
  epoch: number;
}

/** `owner` creates a group and adds `members` (device 1 each) in one commit. */
export async function createGroupWith(
  url: string,
  owner: TestAccount,
  members: readonly TestAccount[],
): Promise<TestGroup> {
  const mlsGroupId = randomBytes(16);
  const state = await createMlsGroup(
    await createMlsClient({ userId: owner.userId, deviceId: 1 }),
    mlsGroupId,
  );
  const { createGroup } = await expectData(
    url,
    CreateGroupDocument,
    { input: { mlsGroupId: toBase64(mlsGroupId) } },
    owner.accessToken,
  );
  const keyPackages = await Promise.all(
    members.map(async (member) => {
      const client = await createMlsClient({ userId: member.userId, deviceId: 1 });
      return (await createKeyPackage(client)).bytes;
    }),
  );
  const { commit, welcome } = await addMembers(state, keyPackages);
  await expectData(
    url,
    CommitGroupDocument,
    {
      input: {
        conversationId: createGroup.id,
        epoch: 0,
        commit: toBase64(commit),
        welcome: toBase64(welcome),
        addedUserIds: members.map((member) => member.userId),
      },
    },
    owner.accessToken,
  );
  return { conversationId: createGroup.id, owner, state, epoch: 1 };
}

/** The owner removes `member` with a commit (`removedUserIds`). */
export async function removeFromGroup(
  url: string,
  group: TestGroup,
  member: TestAccount,
): Promise<void> {
  const { commit } = await removeMember(group.state, `${member.userId}.1`);
  await expectData(
    url,
    CommitGroupDocument,
    {
      input: {
        conversationId: group.conversationId,
        epoch: group.epoch,
        commit: toBase64(commit),
        removedUserIds: [member.userId],
      },
    },
    group.owner.accessToken,
  );
  group.epoch += 1;
}

/** `member` leaves the group (`leaveGroup`). */
export async function leaveGroup(
  url: string,
  group: TestGroup,
  member: TestAccount,
): Promise<void> {
  await expectData(
    url,
    LeaveGroupDocument,
    { conversationId: group.conversationId },
    member.accessToken,
  );
}

/**
 * `member` sends one application message to the group, which makes them a speaker there (their
 * presence becomes visible to the other members). The owner's state frames it: the server reads
 * only the framing (group, epoch, content type), never who encrypted it.
 */
export async function speakInGroup(
  url: string,
  group: TestGroup,
  member: TestAccount,
): Promise<void> {
  const message = await encryptApplicationMessage(group.state, 'hello');
  await expectData(
    url,
    SendGroupMessageDocument,
    {
      input: {
        conversationId: group.conversationId,
        epoch: group.epoch,
        message: toBase64(message),
        clientMessageId: `speak-${randomBytes(4).toString('hex')}`,
      },
    },
    member.accessToken,
  );
}
