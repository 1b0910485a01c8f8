/**
 * A list of entities costs one store call per kind of read, whatever its length: the fan-out of
 * the 1,000-alias finding, replayed as `_entities` requests straight to each subgraph and as one
 * gateway query, against stores that count their calls. Authorization stays per viewer.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { SqliteAuthStore } from '../../subgraphs/auth/store.sqlite/index.js';
import { SqliteMediaStore } from '../../subgraphs/media/store.sqlite.js';
import { newMediaRecord } from '../../subgraphs/media/store.contract.js';
import type { MediaRecord } from '../../subgraphs/media/store.js';
import { SqliteMessagingStore } from '../../subgraphs/messaging/store.sqlite/index.js';
import { SqliteNotificationStore } from '../../subgraphs/notification/store.sqlite.js';
import { linkDevice, registerAccount, type TestAccount } from '../support/accounts.js';
import { countingStore, type CountingStore } from '../support/counting-store.js';
import { expectData } from '../support/graphql-client.js';
import { readInbox, sendOpaqueMessage } from '../support/messaging-client.js';
import { manyRegistrations } from '../support/test-guardyn.js';
import { useTestGuardyn } from '../support/use-test-guardyn.js';

const friendCount = 16;

let storeDir: string;
let auth: CountingStore<SqliteAuthStore>;
let media: CountingStore<SqliteMediaStore>;
let messaging: CountingStore<SqliteMessagingStore>;
let notification: CountingStore<SqliteNotificationStore>;
let viewer: TestAccount;
let viewerSecondDevice: number;
let friends: TestAccount[];

const world = useTestGuardyn(async () => {
  storeDir = await mkdtemp(path.join(tmpdir(), 'guardyn-entity-batching-'));
  auth = countingStore(new SqliteAuthStore(path.join(storeDir, 'auth.sqlite')));
  media = countingStore(new SqliteMediaStore(path.join(storeDir, 'media.sqlite')));
  messaging = countingStore(new SqliteMessagingStore(path.join(storeDir, 'messaging.sqlite')));
  notification = countingStore(
    new SqliteNotificationStore(path.join(storeDir, 'notification.sqlite')),
  );
  return {
    auth: manyRegistrations,
    stores: {
      auth: auth.store,
      media: media.store,
      messaging: messaging.store,
      notification: notification.store,
    },
  };
});

function subgraphUrl(name: 'auth' | 'media' | 'messaging' | 'notification'): string {
  const server = world.guardyn.subgraphs[name];
  if (!server) throw new Error(`${name} is not running`);
  return server.url;
}

/** One `_entities` request, as the gateway sends it, straight to a subgraph. */
async function entities<T>(
  subgraph: 'auth' | 'media' | 'messaging' | 'notification',
  representations: readonly Record<string, string>[],
  selection: string,
  token = viewer.accessToken,
): Promise<T[]> {
  const { _entities } = await expectData<{ _entities: T[] }>(
    subgraphUrl(subgraph),
    `query ($r: [_Any!]!) { _entities(representations: $r) { ${selection} } }`,
    { r: representations },
    token,
  );
  return _entities;
}

function resetCounts(): void {
  for (const store of [auth, media, messaging, notification]) store.reset();
}

beforeAll(async () => {
  viewer = await registerAccount(world.url, { deviceName: 'viewer phone' });
  viewerSecondDevice = (await linkDevice(world.url, viewer, { deviceName: 'viewer laptop' }))
    .deviceId;
  friends = [];
  for (let i = 0; i < friendCount; i++) {
    const friend = await registerAccount(world.url, { deviceName: `friend ${i}` });
    // Each opens a direct conversation with the viewer and leaves an envelope in their mailboxes.
    await sendOpaqueMessage(world.url, friend, viewer);
    friends.push(friend);
  }
}, 120_000);

afterAll(() => rm(storeDir, { recursive: true, force: true }));

describe('auth resolves a list of users and devices with one store call per read', () => {
  it('answers 17 users with their devices: one users read, one devices read', async () => {
    const everyone = [viewer, ...friends];
    resetCounts();
    const users = await entities<{
      id: string;
      username: string;
      devices: { deviceId: number; name: string | null }[];
    } | null>(
      'auth',
      [
        ...everyone.map((user) => ({ __typename: 'User', id: user.userId })),
        { __typename: 'User', id: randomUUID() },
      ],
      '... on User { id username devices { deviceId name } }',
    );
    expect(auth.calls('findUsersByIds')).toBe(1);
    expect(auth.calls('listDevicesOfUsers')).toBe(1);
    expect(auth.calls('findUserById')).toBe(0);
    expect(auth.calls('listDevices')).toBe(0);

    expect(users.map((user) => user?.username ?? null)).toEqual([
      ...everyone.map((user) => user.username),
      null,
    ]);
    // Device names stay the owner's: the viewer sees their own, no one else's.
    expect(users[0]?.devices).toEqual([
      { deviceId: 1, name: 'viewer phone' },
      { deviceId: viewerSecondDevice, name: 'viewer laptop' },
    ]);
    for (const user of users.slice(1, -1))
      expect(user?.devices).toEqual([{ deviceId: 1, name: null }]);
  });

  it('answers 18 devices by global id with one devices read, names for the owner only', async () => {
    const ids = [
      `${viewer.userId}:1`,
      `${viewer.userId}:${viewerSecondDevice}`,
      ...friends.map((friend) => `${friend.userId}:1`),
      `${friends[0]?.userId}:9`,
      'not-a-device',
    ];
    resetCounts();
    const devices = await entities<{ id: string; name: string | null } | null>(
      'auth',
      ids.map((id) => ({ __typename: 'Device', id })),
      '... on Device { id name }',
    );
    expect(auth.calls('findDevices')).toBe(1);
    expect(auth.calls('findDevice')).toBe(0);
    expect(devices.map((device) => device?.name ?? null)).toEqual([
      'viewer phone',
      'viewer laptop',
      ...friends.map(() => null),
      null,
      null,
    ]);
    expect(devices.filter((device) => device !== null)).toHaveLength(2 + friendCount);
  });
});

describe('media resolves a list of avatars and media with one store call per read', () => {
  let avatars: MediaRecord[];
  let attachments: MediaRecord[];
  beforeAll(async () => {
    // Half the friends have avatars, each with a thumbnail; every friend owns an attachment.
    avatars = friends
      .slice(0, friendCount / 2)
      .map((friend) =>
        newMediaRecord({ ownerId: friend.userId, kind: 'avatar', encrypted: false }),
      );
    attachments = friends.map((friend) => newMediaRecord({ ownerId: friend.userId }));
    for (const parent of [...avatars, ...attachments]) {
      await media.store.insert([
        parent,
        newMediaRecord({ ownerId: parent.ownerId, kind: 'thumbnail', parentId: parent.id }),
      ]);
    }
  });

  it('answers the avatars of 16 users, thumbnails included: one read each', async () => {
    resetCounts();
    const users = await entities<{ avatar: { id: string; thumbnails: { id: string }[] } | null }>(
      'media',
      friends.map((friend) => ({ __typename: 'User', id: friend.userId })),
      '... on User { avatar { id thumbnail { id } thumbnails { id } } }',
    );
    expect(media.calls('latestAvatarsOf')).toBe(1);
    expect(media.calls('listThumbnailsOfMany')).toBe(1);
    expect(media.calls('listAvatars')).toBe(0);
    expect(media.calls('listThumbnails')).toBe(0);
    expect(users.map((user) => user.avatar?.id ?? null)).toEqual([
      ...avatars.map((avatar) => avatar.id),
      ...friends.slice(friendCount / 2).map(() => null),
    ]);
    for (const user of users.slice(0, friendCount / 2))
      expect(user.avatar?.thumbnails).toHaveLength(1);
  });

  it('answers 17 media by id: one read', async () => {
    resetCounts();
    const found = await entities<{ id: string; owner: { id: string } } | null>(
      'media',
      [...attachments, newMediaRecord({})].map((record) => ({
        __typename: 'Media',
        id: record.id,
      })),
      '... on Media { id owner { id } }',
    );
    expect(media.calls('findMediaByIds')).toBe(1);
    expect(media.calls('findMedia')).toBe(0);
    expect(found).toEqual([
      ...attachments.map((record) => ({ id: record.id, owner: { id: record.ownerId } })),
      null,
    ]);
  });
});

describe('notification resolves Device.push of a list with one store call', () => {
  it('answers the viewer’s devices and 16 others’: one read, others’ registrations hidden', async () => {
    await notification.store.register(
      { userId: viewer.userId, deviceId: viewerSecondDevice, platform: 'FCM', token: 'viewer-fcm' },
      new Date(),
    );
    for (const friend of friends) {
      await notification.store.register(
        {
          userId: friend.userId,
          deviceId: 1,
          platform: 'APNS',
          token: randomBytes(8).toString('hex'),
        },
        new Date(),
      );
    }
    resetCounts();
    const devices = await entities<{ push: { platform: string } | null }>(
      'notification',
      [
        `${viewer.userId}:1`,
        `${viewer.userId}:${viewerSecondDevice}`,
        ...friends.map((friend) => `${friend.userId}:1`),
      ].map((id) => ({ __typename: 'Device', id })),
      '... on Device { push { platform } }',
    );
    expect(notification.calls('findRegistrations')).toBe(1);
    expect(notification.calls('findRegistration')).toBe(0);
    expect(devices.map((device) => device.push?.platform ?? null)).toEqual([
      null,
      'FCM',
      ...friends.map(() => null),
    ]);
  });
});

describe('messaging resolves a list of conversations and envelopes with one store call each', () => {
  it('answers 17 conversations: one read, only those the viewer is a member of', async () => {
    const [first, second] = friends as [TestAccount, TestAccount];
    await sendOpaqueMessage(world.url, first, second);
    const { conversations: theirs } = await expectData<{
      conversations: { id: string; members: { id: string }[] }[];
    }>(world.url, '{ conversations { id members { id } } }', {}, second.accessToken);
    const foreign = theirs.find((c) => c.members.some((member) => member.id === first.userId));
    const { conversations: mine } = await expectData<{ conversations: { id: string }[] }>(
      world.url,
      '{ conversations { id } }',
      {},
      viewer.accessToken,
    );
    expect(mine).toHaveLength(friendCount);

    resetCounts();
    const found = await entities<{ id: string; members: { id: string }[] } | null>(
      'messaging',
      [...mine.map((c) => c.id), foreign?.id ?? '', randomUUID()].map((id) => ({
        __typename: 'Conversation',
        id,
      })),
      '... on Conversation { id members { id } }',
    );
    expect(messaging.calls('findConversations')).toBe(1);
    expect(messaging.calls('findConversation')).toBe(0);
    expect(found.map((c) => c?.id ?? null)).toEqual([...mine.map((c) => c.id), null, null]);
    for (const conversation of found.slice(0, friendCount))
      expect(conversation?.members.map((member) => member.id)).toContain(viewer.userId);
  });

  it('answers 17 envelopes: one read, only the viewer device’s own, each conversation once', async () => {
    const inbox = await readInbox(world.url, viewer.accessToken);
    expect(inbox.length).toBeGreaterThanOrEqual(friendCount);
    const [, second] = friends as [TestAccount, TestAccount];
    const othersEnvelope = (await readInbox(world.url, second.accessToken))[0];

    resetCounts();
    const found = await entities<{ id: string; conversation: { id: string } | null } | null>(
      'messaging',
      [...inbox.map((e) => e.id), othersEnvelope?.id ?? ''].map((id) => ({
        __typename: 'Envelope',
        id,
      })),
      '... on Envelope { id conversation { id } }',
    );
    expect(messaging.calls('findEnvelopes')).toBe(1);
    expect(messaging.calls('findEnvelope')).toBe(0);
    expect(messaging.calls('findConversations')).toBe(1);
    expect(messaging.calls('findConversation')).toBe(0);
    expect(found.map((e) => e?.id ?? null)).toEqual([...inbox.map((e) => e.id), null]);
    expect(found.slice(0, -1).every((e) => e?.conversation !== null)).toBe(true);
  });
});

describe('through the gateway', () => {
  it('resolves every member of every conversation with one read per kind in each subgraph', async () => {
    resetCounts();
    const { conversations } = await expectData<{
      conversations: {
        members: {
          username: string;
          devices: { deviceId: number }[];
          avatar: { id: string } | null;
        }[];
      }[];
    }>(
      world.url,
      '{ conversations { members { username devices { deviceId } avatar { id } } } }',
      {},
      viewer.accessToken,
    );
    expect(conversations).toHaveLength(friendCount);
    const members = conversations.flatMap((conversation) => conversation.members);
    expect(members).toHaveLength(2 * friendCount);
    expect(members.filter((member) => member.avatar !== null)).toHaveLength(friendCount / 2);

    expect(auth.calls('findUsersByIds')).toBe(1);
    expect(auth.calls('listDevicesOfUsers')).toBe(1);
    expect(auth.calls('findUserById')).toBe(0);
    expect(auth.calls('listDevices')).toBe(0);
    expect(media.calls('latestAvatarsOf')).toBe(1);
    expect(media.calls('listAvatars')).toBe(0);
  });

  it('resolves the push registration of each of the viewer’s devices with one read', async () => {
    resetCounts();
    const { me } = await expectData<{
      me: { devices: { deviceId: number; push: { platform: string } | null }[] };
    }>(world.url, '{ me { devices { deviceId push { platform } } } }', {}, viewer.accessToken);
    expect(me.devices.map((device) => device.push?.platform ?? null)).toEqual([null, 'FCM']);
    expect(notification.calls('findRegistrations')).toBe(1);
    expect(notification.calls('findRegistration')).toBe(0);
  });
});
