import { randomBytes } from 'node:crypto';
import { expect } from '@jest/globals';
import { registerAccount, type TestAccount } from '../../support/accounts.js';
import {
  ClaimKeyPackagesDocument,
  CommitGroupDocument,
  CreateGroupDocument,
  SendGroupMessageDocument,
} from '../../../schema/generated/operations.js';
import { expectData, expectErrorCode, sourceOf } from '../../support/graphql-client.js';
import { ackEnvelopes, readInbox, type InboxEnvelope } from '../../support/messaging-client.js';
import {
  createMlsClient,
  publishKeyPackages,
  type MlsTestClient,
} from '../../support/mls-client.js';
import {
  addMembers,
  createMlsGroup,
  decryptApplicationMessage,
  encryptApplicationMessage,
  joinFromWelcome,
  processCommit,
  removeMember,
  type MlsGroupMember,
} from '../../support/mls-group.js';
import { filesContaining } from '../../support/plaintext-scan.js';
import { fromBase64, toBase64 } from '../../support/signal-device.js';
import type { E2eTarget } from './target.js';

/** runs a real MLS group through the delivery service: welcome, messages, removal, concurrent commits. */
export async function mlsGroupScenario(guardyn: E2eTarget): Promise<void> {
  interface Person {
    account: TestAccount;
    mls: MlsTestClient;
    member?: MlsGroupMember;
  }

  async function person(): Promise<Person> {
    const account = await registerAccount(guardyn.url);
    const mls = await createMlsClient({ userId: account.userId, deviceId: 1 });
    await publishKeyPackages(guardyn.url, account.accessToken, mls, 2);
    return { account, mls };
  }

  /** Reads and acks the whole inbox of a person's device. */
  async function drain(someone: Person): Promise<InboxEnvelope[]> {
    const inbox = await readInbox(guardyn.url, someone.account.accessToken);
    if (inbox.length > 0)
      await ackEnvelopes(
        guardyn.url,
        someone.account.accessToken,
        inbox.map((e) => e.id),
      );
    return inbox;
  }

  async function sendToGroup(sender: Person, conversationId: string, epoch: number, text: string) {
    if (!sender.member) throw new Error('not a member');
    const message = await encryptApplicationMessage(sender.member, text);
    return expectData(
      guardyn.url,
      SendGroupMessageDocument,
      {
        input: {
          conversationId,
          epoch,
          message: toBase64(message),
          clientMessageId: `m-${randomBytes(4).toString('hex')}`,
        },
      },
      sender.account.accessToken,
    );
  }

  async function receiveText(someone: Person): Promise<string[]> {
    const texts = [];
    for (const envelope of await drain(someone)) {
      expect(envelope.type).toBe('MLS_APPLICATION');
      if (!someone.member) throw new Error('not a member');
      texts.push(
        new TextDecoder().decode(
          await decryptApplicationMessage(someone.member, fromBase64(envelope.content)),
        ),
      );
    }
    return texts;
  }

  const url = guardyn.url;
  const [alice, bob, carol] = [await person(), await person(), await person()];
  const secret = `group secret ${Date.now()}`;
  const after = `after carol left ${Date.now()}`;

  // Alice creates the group at epoch 0 and adds Bob and Carol with KeyPackages claimed through the API.
  const groupId = randomBytes(16);
  alice.member = await createMlsGroup(alice.mls, groupId);
  const { createGroup } = await expectData(
    url,
    CreateGroupDocument,
    { input: { mlsGroupId: toBase64(groupId) } },
    alice.account.accessToken,
  );
  expect(createGroup.epoch).toBe(0);
  const conversationId = createGroup.id;
  const { claimKeyPackages } = await expectData(
    url,
    ClaimKeyPackagesDocument,
    { userIds: [bob.account.userId, carol.account.userId] },
    alice.account.accessToken,
  );
  const added = await addMembers(
    alice.member,
    claimKeyPackages.map((claim) => fromBase64(claim.keyPackage)),
  );
  const committed = await expectData(
    url,
    CommitGroupDocument,
    {
      input: {
        conversationId,
        epoch: 0,
        commit: toBase64(added.commit),
        welcome: toBase64(added.welcome),
        addedUserIds: [bob.account.userId, carol.account.userId],
      },
    },
    alice.account.accessToken,
  );
  expect(committed.commitGroup.epoch).toBe(1);
  expect(committed.commitGroup.members.map((m) => m.id).sort()).toEqual(
    [alice.account.userId, bob.account.userId, carol.account.userId].sort(),
  );
  expect(await drain(alice)).toEqual([]);
  for (const joiner of [bob, carol]) {
    const [welcome, ...rest] = await drain(joiner);
    expect(rest).toEqual([]);
    expect(welcome?.type).toBe('MLS_WELCOME');
    joiner.member = await joinFromWelcome(joiner.mls, fromBase64(welcome?.content ?? ''));
  }

  // Application messages reach every other member, who decrypt them.
  expect((await sendToGroup(alice, conversationId, 1, secret)).sendGroupMessage.recipients).toBe(2);
  expect(await receiveText(bob)).toEqual([secret]);
  expect(await receiveText(carol)).toEqual([secret]);
  await sendToGroup(bob, conversationId, 1, `${secret} (bob)`);
  expect(await receiveText(alice)).toEqual([`${secret} (bob)`]);
  expect(await receiveText(carol)).toEqual([`${secret} (bob)`]);

  // A stale epoch and bytes of another group are refused.
  const stale = await expectErrorCode(
    url,
    SendGroupMessageDocument,
    {
      input: {
        conversationId,
        epoch: 0,
        message: toBase64(await encryptApplicationMessage(alice.member, 'x')),
        clientMessageId: 'stale',
      },
    },
    alice.account.accessToken,
  );
  expect(stale.code).toBe('BAD_USER_INPUT'); // the bytes say epoch 1, the claim says 0

  // Alice removes Carol; Bob and Carol get the commit; Carol gets nothing after it.
  const removal = await removeMember(alice.member, carol.mls.identity);
  await expectData(
    url,
    CommitGroupDocument,
    {
      input: {
        conversationId,
        epoch: 1,
        commit: toBase64(removal.commit),
        removedUserIds: [carol.account.userId],
      },
    },
    alice.account.accessToken,
  );
  const [bobCommit] = await drain(bob);
  expect(bobCommit?.type).toBe('MLS_COMMIT');
  await processCommit(bob.member as MlsGroupMember, fromBase64(bobCommit?.content ?? ''));
  expect((await drain(carol)).map((envelope) => envelope.type)).toEqual(['MLS_COMMIT']);

  const message = await encryptApplicationMessage(alice.member, after);
  await expectData(
    url,
    SendGroupMessageDocument,
    { input: { conversationId, epoch: 2, message: toBase64(message), clientMessageId: 'after' } },
    alice.account.accessToken,
  );
  expect(await receiveText(bob)).toEqual([after]);
  expect(await drain(carol)).toEqual([]);
  // Even holding the bytes, Carol (still at epoch 1) cannot read them.
  await expect(
    decryptApplicationMessage(carol.member as MlsGroupMember, message),
  ).rejects.toBeDefined();
  // And she may no longer send to the group.
  const outsider = await expectErrorCode(
    url,
    SendGroupMessageDocument,
    { input: { conversationId, epoch: 2, message: toBase64(message), clientMessageId: 'carol' } },
    carol.account.accessToken,
  );
  expect(outsider.code).toBe('FORBIDDEN');

  // Two members commit at the same epoch at once: exactly one wins, the other is told the epoch.
  const [fromAlice, fromBob] = await Promise.all([
    removeMember(alice.member, bob.mls.identity),
    removeMember(bob.member as MlsGroupMember, alice.mls.identity),
  ]);
  const results = await Promise.all(
    [
      [alice, fromAlice, bob],
      [bob, fromBob, alice],
    ].map(([committer, commit, removed]) =>
      fetch(url, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          authorization: `Bearer ${(committer as Person).account.accessToken}`,
        },
        body: JSON.stringify({
          query: sourceOf(CommitGroupDocument),
          variables: {
            input: {
              conversationId,
              epoch: 2,
              commit: toBase64((commit as { commit: Uint8Array }).commit),
              removedUserIds: [(removed as Person).account.userId],
            },
          },
        }),
      }).then(
        (response) =>
          response.json() as Promise<{
            errors?: { extensions: { code: string; currentEpoch?: number } }[];
          }>,
      ),
    ),
  );
  const failures = results.flatMap((result) => result.errors ?? []);
  expect(results.filter((result) => !result.errors)).toHaveLength(1);
  expect(failures).toHaveLength(1);
  // The loser hears of the new epoch, unless the winner's commit (which removes the loser) landed
  // before the loser's membership was checked: then the loser is no member any more.
  const loss = failures[0]?.extensions;
  if (loss?.code === 'FORBIDDEN') expect(loss.currentEpoch).toBeUndefined();
  else expect(loss).toMatchObject({ code: 'STALE_EPOCH', currentEpoch: 3 });

  expect(await filesContaining(guardyn.dataDir, [secret, after])).toEqual([]);
}
