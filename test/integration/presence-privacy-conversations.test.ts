/**
 * Presence is revealed only by what a user does themselves: in direct conversations and groups,
 * only to those they spoke with (the attacks of the presence finding, on the embedded supergraph).
 */
import { randomBytes } from 'node:crypto';
import { describe, expect, it } from '@jest/globals';
import { registerAccount, type TestAccount } from '../support/accounts.js';
import { expectData, expectErrorCode } from '../support/graphql-client.js';
import { sendOpaqueMessage } from '../support/messaging-client.js';
import { createKeyPackage, createMlsClient } from '../support/mls-client.js';
import {
  addMembers,
  createMlsGroup,
  encryptApplicationMessage,
  joinFromWelcome,
  type MlsGroupMember,
} from '../support/mls-group.js';
import { fromBase64, toBase64 } from '../support/signal-device.js';
import {
  presenceSeenBy,
  online,
  sendSealedJunk,
  conversationsOf,
  usePresencePrivacyGuardyn,
} from '../support/presence-privacy.js';

const world = usePresencePrivacyGuardyn();

describe('direct conversations: presence only from those who spoke', () => {
  it('a junk sealed send reveals nothing and opens no conversation', async () => {
    const [bob, carol] = [await registerAccount(world.url), await registerAccount(world.url)];
    await Promise.all([online(bob), online(carol)]);
    await sendSealedJunk(bob, carol, randomBytes(64));
    expect(await presenceSeenBy(bob, carol)).toBeNull();
    expect(await presenceSeenBy(carol, bob)).toBeNull();
    expect(await conversationsOf(bob)).toEqual([]);
    expect(await conversationsOf(carol)).toEqual([]);
  });

  it('C sending to B reveals C to B, not B to C; B’s messages to C never reveal C', async () => {
    const [bob, carol] = [await registerAccount(world.url), await registerAccount(world.url)];
    await Promise.all([online(bob), online(carol)]);
    // B writes to C first, repeatedly: what B sends does not change what C reveals.
    await sendOpaqueMessage(world.url, bob, carol);
    await sendOpaqueMessage(world.url, bob, carol);
    expect(await presenceSeenBy(bob, carol)).toBeNull();
    expect(await presenceSeenBy(carol, bob)).toEqual({
      status: 'AWAY',
      lastSeenAt: expect.any(String),
    });

    const [stranger] = [await registerAccount(world.url)];
    await sendOpaqueMessage(world.url, carol, bob);
    expect(await presenceSeenBy(bob, carol)).toMatchObject({ status: 'AWAY' });
    // Nobody else learns anything from it.
    expect(await presenceSeenBy(stranger, carol)).toBeNull();
    expect(await presenceSeenBy(stranger, bob)).toBeNull();
  });

  it('NOBODY hides presence and last seen from everyone but the user', async () => {
    const [bob, carol] = [await registerAccount(world.url), await registerAccount(world.url)];
    await online(carol);
    await sendOpaqueMessage(world.url, carol, bob);
    expect(await presenceSeenBy(bob, carol)).toMatchObject({ status: 'AWAY' });

    const visibilityQuery = '{ presenceVisibility }';
    expect(await expectData(world.url, visibilityQuery, {}, carol.accessToken)).toEqual({
      presenceVisibility: 'CONTACTS',
    });
    await expectData(
      world.url,
      'mutation { setPresenceVisibility(visibility: NOBODY) }',
      {},
      carol.accessToken,
    );
    expect(await expectData(world.url, visibilityQuery, {}, carol.accessToken)).toEqual({
      presenceVisibility: 'NOBODY',
    });
    expect(await presenceSeenBy(bob, carol)).toBeNull();
    await sendOpaqueMessage(world.url, carol, bob);
    expect(await presenceSeenBy(bob, carol)).toBeNull();
    expect(await presenceSeenBy(carol, carol)).toMatchObject({ status: 'AWAY' });

    const { code } = await expectErrorCode(
      world.url,
      'mutation { setPresenceVisibility(visibility: EVERYONE) }',
      {},
      carol.accessToken,
    );
    expect(code).toBe('BAD_USER_INPUT');
    await expectData(
      world.url,
      'mutation { setPresenceVisibility(visibility: CONTACTS) }',
      {},
      carol.accessToken,
    );
    expect(await presenceSeenBy(bob, carol)).toMatchObject({ status: 'AWAY' });
  });
});

describe('groups: presence from members who spoke, while both belong', () => {
  interface Person {
    account: TestAccount;
    member?: MlsGroupMember;
  }

  async function person(): Promise<Person & { mls: Awaited<ReturnType<typeof createMlsClient>> }> {
    const account = await registerAccount(world.url);
    const mls = await createMlsClient({ userId: account.userId, deviceId: 1 });
    const keyPackage = await createKeyPackage(mls);
    await expectData(
      world.url,
      'mutation ($kps: [Base64!]!) { uploadKeyPackages(keyPackages: $kps) }',
      { kps: [toBase64(keyPackage.bytes)] },
      account.accessToken,
    );
    await online(account);
    return { account, mls };
  }

  async function sendToGroup(sender: Person, conversationId: string, text: string) {
    if (!sender.member) throw new Error('not a member');
    const message = await encryptApplicationMessage(sender.member, text);
    await expectData(
      world.url,
      'mutation ($input: GroupMessageInput!) { sendGroupMessage(input: $input) { messageId } }',
      {
        input: {
          conversationId,
          epoch: 1,
          message: toBase64(message),
          clientMessageId: `g-${randomBytes(4).toString('hex')}`,
        },
      },
      sender.account.accessToken,
    );
  }

  it('reveals committers and senders to current members only; silence and others’ messages reveal nothing', async () => {
    const [alice, target, viewer] = [await person(), await person(), await person()];
    const outsider = await registerAccount(world.url);
    const groupId = randomBytes(16);
    alice.member = await createMlsGroup(alice.mls, groupId);
    const { createGroup } = await expectData<{ createGroup: { id: string } }>(
      world.url,
      'mutation ($input: CreateGroupInput!) { createGroup(input: $input) { id } }',
      { input: { mlsGroupId: toBase64(groupId) } },
      alice.account.accessToken,
    );
    const conversationId = createGroup.id;
    const { claimKeyPackages } = await expectData<{ claimKeyPackages: { keyPackage: string }[] }>(
      world.url,
      'mutation ($ids: [ID!]!) { claimKeyPackages(userIds: $ids) { keyPackage } }',
      { ids: [target.account.userId, viewer.account.userId] },
      alice.account.accessToken,
    );
    const added = await addMembers(
      alice.member,
      claimKeyPackages.map((claim) => fromBase64(claim.keyPackage)),
    );
    await expectData(
      world.url,
      'mutation ($input: CommitInput!) { commitGroup(input: $input) { epoch } }',
      {
        input: {
          conversationId,
          epoch: 0,
          commit: toBase64(added.commit),
          welcome: toBase64(added.welcome),
          addedUserIds: [target.account.userId, viewer.account.userId],
        },
      },
      alice.account.accessToken,
    );
    target.member = await joinFromWelcome(target.mls, added.welcome);
    viewer.member = await joinFromWelcome(viewer.mls, added.welcome);

    // Alice committed: members see her. The silent target is seen by no one.
    expect(await presenceSeenBy(viewer.account, alice.account)).toMatchObject({ status: 'AWAY' });
    expect(await presenceSeenBy(outsider, alice.account)).toBeNull();
    expect(await presenceSeenBy(viewer.account, target.account)).toBeNull();

    // Others speaking (the viewer, Alice) does not reveal the target.
    await sendToGroup(viewer, conversationId, 'hello from the viewer');
    await sendToGroup(alice, conversationId, 'hello from alice');
    expect(await presenceSeenBy(viewer.account, target.account)).toBeNull();
    expect(await presenceSeenBy(target.account, viewer.account)).toMatchObject({
      status: 'AWAY',
    });

    await sendToGroup(target, conversationId, 'hello from the target');
    expect(await presenceSeenBy(viewer.account, target.account)).toMatchObject({
      status: 'AWAY',
    });

    // After leaving, the target neither is seen nor sees through the group.
    await expectData(
      world.url,
      'mutation ($id: ID!) { leaveGroup(conversationId: $id) }',
      { id: conversationId },
      target.account.accessToken,
    );
    expect(await presenceSeenBy(viewer.account, target.account)).toBeNull();
    expect(await presenceSeenBy(target.account, alice.account)).toBeNull();
    expect(await presenceSeenBy(viewer.account, alice.account)).toMatchObject({ status: 'AWAY' });
  });
});
