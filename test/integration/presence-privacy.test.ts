/**
 * Presence is revealed only by what a user does themselves, and sealed sends link nothing to
 * their sender: the attacks of the presence finding, replayed against the embedded supergraph.
 */
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { SqliteMessagingStore } from '../../subgraphs/messaging/store.sqlite.js';
import { SqlitePresenceStore } from '../../subgraphs/presence/store.sqlite.js';
import { linkDevice, registerAccount, type TestAccount } from '../support/accounts.js';
import { countingStore, type CountingStore } from '../support/counting-store.js';
import { expectData, expectErrorCode, postGraphQL } from '../support/graphql-client.js';
import {
  recipientDevices,
  sendMessageMutation,
  sendOpaqueMessage,
} from '../support/messaging-client.js';
import { createKeyPackage, createMlsClient } from '../support/mls-client.js';
import {
  addMembers,
  createMlsGroup,
  encryptApplicationMessage,
  joinFromWelcome,
  type MlsGroupMember,
} from '../support/mls-group.js';
import { fromBase64, toBase64 } from '../support/signal-device.js';
import { manyRegistrations, startTestGuardyn, type TestGuardyn } from '../support/test-guardyn.js';

let guardyn: TestGuardyn;
let url: string;
let storeDir: string;
let messagingStore: CountingStore<SqliteMessagingStore>;
let presenceStore: CountingStore<SqlitePresenceStore>;

beforeAll(async () => {
  storeDir = await mkdtemp(path.join(tmpdir(), 'guardyn-presence-privacy-'));
  messagingStore = countingStore(new SqliteMessagingStore(path.join(storeDir, 'messaging.sqlite')));
  presenceStore = countingStore(new SqlitePresenceStore(path.join(storeDir, 'presence.sqlite')));
  guardyn = await startTestGuardyn({
    auth: manyRegistrations,
    stores: { messaging: messagingStore.store, presence: presenceStore.store },
  });
  url = guardyn.url;
});
afterAll(async () => {
  await guardyn.dispose();
  await rm(storeDir, { recursive: true, force: true });
});

interface SeenPresence {
  status: string;
  lastSeenAt: string | null;
}

/** What `viewer` is told of `target`'s presence (null: nothing). */
async function presenceSeenBy(viewer: TestAccount, target: TestAccount) {
  const { user } = await expectData<{ user: { presence: SeenPresence | null } }>(
    url,
    'query ($id: ID!) { user(id: $id) { presence { status lastSeenAt } } }',
    { id: target.userId },
    viewer.accessToken,
  );
  return user.presence;
}

const online = async (account: TestAccount) =>
  expectData(url, 'mutation { setPresence(status: AWAY) { status } }', {}, account.accessToken);

function devicesOf(viewer: TestAccount, target: TestAccount) {
  return recipientDevices(url, viewer, target.userId);
}

/** One junk SEALED_SENDER envelope for every device of `to`. */
async function sendSealedJunk(from: TestAccount, to: TestAccount, content: Uint8Array) {
  const devices = await devicesOf(from, to);
  return expectData<{ sendMessage: { messageId: string } }>(
    url,
    sendMessageMutation,
    {
      input: {
        recipientId: to.userId,
        clientMessageId: `sealed-${randomBytes(4).toString('hex')}`,
        envelopes: devices.map((device) => ({
          ...device,
          type: 'SEALED_SENDER',
          content: toBase64(content),
        })),
      },
    },
    from.accessToken,
  );
}

const conversationsOf = async (account: TestAccount) =>
  (
    await expectData<{ conversations: { id: string }[] }>(
      url,
      '{ conversations { id } }',
      {},
      account.accessToken,
    )
  ).conversations;

describe('direct conversations: presence only from those who spoke', () => {
  it('a junk sealed send reveals nothing and opens no conversation', async () => {
    const [bob, carol] = [await registerAccount(url), await registerAccount(url)];
    await Promise.all([online(bob), online(carol)]);
    await sendSealedJunk(bob, carol, randomBytes(64));
    expect(await presenceSeenBy(bob, carol)).toBeNull();
    expect(await presenceSeenBy(carol, bob)).toBeNull();
    expect(await conversationsOf(bob)).toEqual([]);
    expect(await conversationsOf(carol)).toEqual([]);
  });

  it('C sending to B reveals C to B, not B to C; B’s messages to C never reveal C', async () => {
    const [bob, carol] = [await registerAccount(url), await registerAccount(url)];
    await Promise.all([online(bob), online(carol)]);
    // B writes to C first, repeatedly: what B sends does not change what C reveals.
    await sendOpaqueMessage(url, bob, carol);
    await sendOpaqueMessage(url, bob, carol);
    expect(await presenceSeenBy(bob, carol)).toBeNull();
    expect(await presenceSeenBy(carol, bob)).toEqual({
      status: 'AWAY',
      lastSeenAt: expect.any(String),
    });

    const [stranger] = [await registerAccount(url)];
    await sendOpaqueMessage(url, carol, bob);
    expect(await presenceSeenBy(bob, carol)).toMatchObject({ status: 'AWAY' });
    // Nobody else learns anything from it.
    expect(await presenceSeenBy(stranger, carol)).toBeNull();
    expect(await presenceSeenBy(stranger, bob)).toBeNull();
  });

  it('NOBODY hides presence and last seen from everyone but the user', async () => {
    const [bob, carol] = [await registerAccount(url), await registerAccount(url)];
    await online(carol);
    await sendOpaqueMessage(url, carol, bob);
    expect(await presenceSeenBy(bob, carol)).toMatchObject({ status: 'AWAY' });

    const visibilityQuery = '{ presenceVisibility }';
    expect(await expectData(url, visibilityQuery, {}, carol.accessToken)).toEqual({
      presenceVisibility: 'CONTACTS',
    });
    await expectData(
      url,
      'mutation { setPresenceVisibility(visibility: NOBODY) }',
      {},
      carol.accessToken,
    );
    expect(await expectData(url, visibilityQuery, {}, carol.accessToken)).toEqual({
      presenceVisibility: 'NOBODY',
    });
    expect(await presenceSeenBy(bob, carol)).toBeNull();
    await sendOpaqueMessage(url, carol, bob);
    expect(await presenceSeenBy(bob, carol)).toBeNull();
    expect(await presenceSeenBy(carol, carol)).toMatchObject({ status: 'AWAY' });

    const { code } = await expectErrorCode(
      url,
      'mutation { setPresenceVisibility(visibility: EVERYONE) }',
      {},
      carol.accessToken,
    );
    expect(code).toBe('BAD_USER_INPUT');
    await expectData(
      url,
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
    const account = await registerAccount(url);
    const mls = await createMlsClient({ userId: account.userId, deviceId: 1 });
    const keyPackage = await createKeyPackage(mls);
    await expectData(
      url,
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
      url,
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
    const outsider = await registerAccount(url);
    const groupId = randomBytes(16);
    alice.member = await createMlsGroup(alice.mls, groupId);
    const { createGroup } = await expectData<{ createGroup: { id: string } }>(
      url,
      'mutation ($input: CreateGroupInput!) { createGroup(input: $input) { id } }',
      { input: { mlsGroupId: toBase64(groupId) } },
      alice.account.accessToken,
    );
    const conversationId = createGroup.id;
    const { claimKeyPackages } = await expectData<{ claimKeyPackages: { keyPackage: string }[] }>(
      url,
      'mutation ($ids: [ID!]!) { claimKeyPackages(userIds: $ids) { keyPackage } }',
      { ids: [target.account.userId, viewer.account.userId] },
      alice.account.accessToken,
    );
    const added = await addMembers(
      alice.member,
      claimKeyPackages.map((claim) => fromBase64(claim.keyPackage)),
    );
    await expectData(
      url,
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
      url,
      'mutation ($id: ID!) { leaveGroup(conversationId: $id) }',
      { id: conversationId },
      target.account.accessToken,
    );
    expect(await presenceSeenBy(viewer.account, target.account)).toBeNull();
    expect(await presenceSeenBy(target.account, alice.account)).toBeNull();
    expect(await presenceSeenBy(viewer.account, alice.account)).toMatchObject({ status: 'AWAY' });
  });
});

describe('sealed sends', () => {
  it('leave nothing in the messaging store that links the sender to the envelope', async () => {
    const [bob, carol] = [await registerAccount(url), await registerAccount(url)];
    const marker = randomBytes(48);
    const { sendMessage } = await sendSealedJunk(bob, carol, marker);

    const db = new Database(path.join(storeDir, 'messaging.sqlite'), { readonly: true });
    try {
      const sealed = db.prepare('SELECT * FROM envelopes WHERE content = ?').all(marker) as Record<
        string,
        unknown
      >[];
      expect(sealed).toHaveLength(1);
      const [envelope] = sealed;
      expect(envelope).toMatchObject({
        type: 'SEALED_SENDER',
        recipient_user_id: carol.userId,
        sender_user_id: null,
        sender_device_id: null,
        conversation_id: null,
      });
      expect(envelope?.['message_id']).not.toBe(sendMessage.messageId);

      // Every row of every table: none that names the envelope (its id, message id or bytes)
      // also names the sender; and the sender is in no conversation and no speaker row.
      const tables = (
        db.prepare(`SELECT name FROM sqlite_master WHERE type = 'table'`).all() as {
          name: string;
        }[]
      ).map((table) => table.name);
      const envelopeMarks = [String(envelope?.['id']), String(envelope?.['message_id'])];
      for (const table of tables) {
        for (const row of db.prepare(`SELECT * FROM "${table}"`).all() as Record<
          string,
          unknown
        >[]) {
          const cells = Object.values(row).map((cell) =>
            Buffer.isBuffer(cell) ? cell.toString('hex') : String(cell),
          );
          const namesEnvelope =
            cells.some((cell) => envelopeMarks.includes(cell)) ||
            cells.includes(marker.toString('hex'));
          if (namesEnvelope) expect(cells).not.toContain(bob.userId);
        }
      }
      expect(
        db.prepare('SELECT * FROM conversation_members WHERE user_id = ?').all(bob.userId),
      ).toEqual([]);
      expect(
        db.prepare('SELECT * FROM conversation_speakers WHERE user_id = ?').all(bob.userId),
      ).toEqual([]);
    } finally {
      db.close();
    }
  });

  it('refuses a send that mixes sealed and unsealed envelopes for the recipient, storing nothing', async () => {
    const [bob, carolAccount] = [await registerAccount(url), await registerAccount(url)];
    const carol = { ...carolAccount, ...(await linkDevice(url, carolAccount)) };
    const devices = await devicesOf(bob, carol);
    expect(devices).toHaveLength(2);
    const { code } = await expectErrorCode(
      url,
      sendMessageMutation,
      {
        input: {
          recipientId: carol.userId,
          clientMessageId: 'mixed',
          envelopes: devices.map((device, index) => ({
            ...device,
            type: index === 0 ? 'SEALED_SENDER' : 'SIGNAL_MESSAGE',
            content: toBase64(randomBytes(16)),
          })),
        },
      },
      bob.accessToken,
    );
    expect(code).toBe('BAD_USER_INPUT');
    expect(await conversationsOf(bob)).toEqual([]);
    const inbox = await postGraphQL<{ inbox: { edges: unknown[] } }>(
      url,
      '{ inbox { edges { id } } }',
      {},
      carol.accessToken,
    );
    expect(inbox.data?.inbox.edges).toEqual([]);
  });
});

describe('batching', () => {
  it('resolves the presence of many users with one presence read and one messaging call', async () => {
    const viewer = await registerAccount(url);
    const friends = await Promise.all(Array.from({ length: 12 }, () => registerAccount(url)));
    for (const friend of friends) await sendOpaqueMessage(url, friend, viewer);
    const strangers = await Promise.all(Array.from({ length: 3 }, () => registerAccount(url)));
    const presence = guardyn.subgraphs.presence;
    if (!presence) throw new Error('no presence subgraph');
    const everyone = [...friends, ...strangers, viewer];

    // The request the gateway makes for a list of users: one `_entities` with all of them.
    messagingStore.reset();
    presenceStore.reset();
    const response = await fetch(presence.url, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        authorization: `Bearer ${viewer.accessToken}`,
      },
      body: JSON.stringify({
        query:
          'query ($r: [_Any!]!) { _entities(representations: $r) { ... on User { id presence { status } } } }',
        variables: { r: everyone.map((user) => ({ __typename: 'User', id: user.userId })) },
      }),
    });
    const body = (await response.json()) as {
      data: { _entities: { id: string; presence: { status: string } | null }[] };
    };
    expect(body.data._entities.map((user) => user.presence?.status ?? null)).toEqual([
      ...friends.map(() => 'OFFLINE'),
      ...strangers.map(() => null),
      'OFFLINE',
    ]);
    // (Only resolvers make these calls; the presence sweep's per-user reads run in the background.)
    expect(presenceStore.calls('readPresenceBatch')).toBe(1);
    expect(messagingStore.calls('speakersSharingConversationWith')).toBe(1);

    // Through the gateway: every member of every conversation of the viewer, in one query.
    messagingStore.reset();
    presenceStore.reset();
    const { conversations } = await expectData<{
      conversations: { members: { id: string; presence: { status: string } | null }[] }[];
    }>(url, '{ conversations { members { id presence { status } } } }', {}, viewer.accessToken);
    const seen = conversations.flatMap((conversation) => conversation.members);
    expect(seen.filter((member) => member.presence !== null)).toHaveLength(seen.length);
    expect(presenceStore.calls('readPresenceBatch')).toBe(1);
    expect(messagingStore.calls('speakersSharingConversationWith')).toBe(1);
  });
});
