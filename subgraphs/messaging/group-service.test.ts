import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import type { MembershipEvent } from '../../shared/bus/index.js';
import { createKeyPackage, createMlsClient } from '../../test/support/mls-client.js';
import { addMembers, createMlsGroup, removeMember } from '../../test/support/mls-group.js';
import { Delivery } from './delivery.js';
import type { DeviceDirectory } from './device-directory.js';
import type { MessagingEvents } from './events.js';
import { SendLimits } from './send-limits.js';
import { GroupService } from './group-service.js';
import { defaultMessagingOptions } from './service.js';
import { SqliteMessagingStore } from './store.sqlite/index.js';

const principal = (userId: string) => ({
  userId,
  deviceId: 1,
  sessionId: `s-${userId}`,
  expiresAt: new Date(Date.now() + 3600_000),
});
const requester = (userId: string) => ({ principal: principal(userId), authorization: 'Bearer t' });

/** Every user exists with one device. */
const directory: DeviceDirectory = {
  devicesOf: async (userIds) =>
    new Map(userIds.map((userId) => [userId, [{ deviceId: 1, registrationId: 1 }]])),
  sealedRecipients: async () => null,
};

let dir: string;
let store: SqliteMessagingStore;
let changes: MembershipEvent[];
let groups: GroupService;
beforeEach(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'group-service-'));
  store = new SqliteMessagingStore(path.join(dir, 'messaging.sqlite'));
  changes = [];
  const events: MessagingEvents = {
    envelopesStored: async () => undefined,
    membershipChanged: async (change) => void changes.push(change),
  };
  const delivery = new Delivery(store, events, defaultMessagingOptions);
  groups = new GroupService(
    store,
    directory,
    events,
    delivery,
    10,
    new SendLimits(store, defaultMessagingOptions),
  );
});
afterEach(async () => {
  await store.close();
  await rm(dir, { recursive: true, force: true });
});

describe('GroupService membership events', () => {
  it('announces members added and removed by commits, and a member who leaves', async () => {
    const mlsGroupId = randomBytes(16);
    const owner = await createMlsGroup(await createMlsClient({ userId: 'owner' }), mlsGroupId);
    const group = await groups.createGroup(principal('owner'), mlsGroupId);
    const joiners = await Promise.all(
      ['bob', 'eve'].map(async (userId) => createMlsClient({ userId })),
    );
    const added = await addMembers(
      owner,
      await Promise.all(joiners.map(async (client) => (await createKeyPackage(client)).bytes)),
    );
    await groups.commitGroup(requester('owner'), {
      conversationId: group.id,
      epoch: 0,
      commit: added.commit,
      welcome: added.welcome,
      addedUserIds: ['bob', 'eve'],
    });
    const removal = await removeMember(owner, 'bob.1');
    await groups.commitGroup(requester('owner'), {
      conversationId: group.id,
      epoch: 1,
      commit: removal.commit,
      removedUserIds: ['bob'],
    });
    await groups.leaveGroup(principal('eve'), group.id);

    expect(changes.map(({ at: _at, ...change }) => change)).toEqual([
      { conversationId: group.id, addedUserIds: ['bob', 'eve'], removedUserIds: [] },
      { conversationId: group.id, addedUserIds: [], removedUserIds: ['bob'] },
      { conversationId: group.id, addedUserIds: [], removedUserIds: ['eve'] },
    ]);
  });

  it('announces nothing when leaving is refused', async () => {
    const mlsGroupId = randomBytes(16);
    await createMlsGroup(await createMlsClient({ userId: 'owner' }), mlsGroupId);
    const group = await groups.createGroup(principal('owner'), mlsGroupId);
    await expect(groups.leaveGroup(principal('mallory'), group.id)).rejects.toThrow();
    expect(changes).toEqual([]);
  });
});
