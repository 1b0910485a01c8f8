/**
 * Attacks on the subscription bridge's authorization, replayed against a running supergraph:
 * rights that outlive membership, and results shared between viewers with different rights.
 * Attacks on its socket are in subscription-socket.test.ts.
 */
import path from 'node:path';
import { afterAll, describe, expect, it } from '@jest/globals';
import Database from 'better-sqlite3';
import { CloseCode } from '../../gateway/index.js';
import {
  linkDevice,
  registerAccount,
  removeDevice,
  type TestAccount,
} from '../support/accounts.js';
import { until } from '../support/eventually.js';
import { expectData } from '../support/graphql-client.js';
import {
  createGroupWith,
  leaveGroup,
  removeFromGroup,
  speakInGroup,
  type TestGroup,
} from '../support/group-membership.js';
import { startDirectConversation } from '../support/messaging-client.js';
import {
  collect,
  connectSubscriptions,
  type Collected,
  type TestSubscriptionClient,
} from '../support/subscriptions-client.js';
import { manyRegistrations, type TestGuardyn } from '../support/test-guardyn.js';
import { useTestGuardyn } from '../support/use-test-guardyn.js';

interface Typing {
  typing: { typing: boolean; user: { id: string } };
}
interface PresenceChange {
  presenceChanged: { id: string; presence: { status: string } | null };
}
const typingSubscription =
  'subscription ($c: ID!) { typing(conversationId: $c) { typing user { id } } }';
const presenceSubscription =
  'subscription ($ids: [ID!]!) { presenceChanged(userIds: $ids) { id presence { status } } }';

/** Typing in the group, as this socket's viewer may see it. */
const watchTyping = (socket: TestSubscriptionClient, group: TestGroup) =>
  collect<Typing>(socket.client, typingSubscription, { c: group.conversationId });
/** Presence changes of these users, as this socket's viewer may see them. */
const watchPresence = (socket: TestSubscriptionClient, userIds: readonly string[]) =>
  collect<PresenceChange>(socket.client, presenceSubscription, { ids: userIds });

const forbidden = expect.objectContaining({
  extensions: expect.objectContaining({ code: 'FORBIDDEN' }),
});

const sockets: TestSubscriptionClient[] = [];
function connect(url: string, account: TestAccount): TestSubscriptionClient {
  const socket = connectSubscriptions(url, account.accessToken);
  sockets.push(socket);
  return socket;
}
afterAll(async () => {
  await Promise.all(sockets.map((socket) => socket.dispose()));
});

async function setTyping(url: string, account: TestAccount, group: TestGroup, typing: boolean) {
  await expectData(
    url,
    'mutation ($c: ID!, $t: Boolean!) { setTyping(conversationId: $c, typing: $t) }',
    { c: group.conversationId, t: typing },
    account.accessToken,
  );
}

async function setPresence(url: string, account: TestAccount, status: string) {
  await expectData(
    url,
    'mutation ($s: PresenceStatus!) { setPresence(status: $s) { status } }',
    { s: status },
    account.accessToken,
  );
}

/** Waits until the gateway follows more bus subjects than `before` (a subscription is live). */
async function followingMore(guardyn: TestGuardyn, before: number): Promise<void> {
  if (
    (await until(
      () => followedNow(guardyn),
      (count) => count > before,
      10_000,
    )) <= before
  )
    throw new Error('the subscription did not start listening');
}

const followedNow = (guardyn: TestGuardyn) =>
  guardyn.gateway?.subscriptions.followedSubjects() ?? 0;

/**
 * Repeats `trigger` until every stream has a value matching `wanted`: subscriptions that share
 * a bus subject cannot be seen to start listening one by one, but they can be seen to deliver.
 */
async function warmUp<T>(
  trigger: () => Promise<void>,
  streams: readonly Collected<T>[],
  wanted: (value: T) => boolean = () => true,
): Promise<void> {
  const ready = () => streams.every((stream) => stream.values.some(wanted));
  await until(async () => {
    if (!ready()) await trigger();
    return ready();
  }, Boolean);
  if (!ready()) throw new Error('a subscription never delivered');
}

/** Waits until a stream has a value matching `wanted`. */
async function arrival<T>(stream: Collected<T>, wanted: (value: T) => boolean): Promise<T> {
  const found = await until(
    () => stream.values.find(wanted),
    (value) => value !== undefined,
    10_000,
  );
  if (found === undefined) throw new Error('the value never arrived');
  return found;
}

/** Alternates a user's chosen presence, so each call announces a change. */
function presenceToggle(url: string, account: TestAccount): () => Promise<void> {
  let away = false;
  return async () => {
    away = !away;
    await setPresence(url, account, away ? 'AWAY' : 'ONLINE');
  };
}

const about =
  (userId: string) =>
  (value: PresenceChange): boolean =>
    value.presenceChanged.id === userId;

describe('with rights re-checked on membership events (timer at its default)', () => {
  const world = useTestGuardyn({
    auth: manyRegistrations,
    // Typing indicators end only when set to false, so every event in a test is one it sent.
    presence: { typingMs: 60_000 },
    subscriptionLimits: { maxConnectionsPerDevice: 3 },
  });

  async function groupOfFour() {
    const [owner, bob, eve, witness] = await Promise.all(
      [1, 2, 3, 4].map(() => registerAccount(world.url)),
    );
    if (!owner || !bob || !eve || !witness) throw new Error('no accounts');
    const group = await createGroupWith(world.url, owner, [bob, eve, witness]);
    // Eve speaks in the group, so its members may see her presence.
    await speakInGroup(world.url, group, eve);
    return { owner, bob, eve, witness, group };
  }

  /** Bob and a witness follow typing in the group, until both have seen Eve type. */
  async function typingFollowers(
    bob: TestAccount,
    witness: TestAccount,
    eve: TestAccount,
    group: TestGroup,
  ) {
    const bobStream = watchTyping(connect(world.url, bob), group);
    const witnessStream = watchTyping(connect(world.url, witness), group);
    await warmUp(() => setTyping(world.url, eve, group, true), [bobStream, witnessStream]);
    expect(bobStream.values[0]?.typing).toEqual({ typing: true, user: { id: eve.userId } });
    return { bobStream, witnessStream };
  }

  /** Eve types again; once the witness has it, Bob's ended stream shows what it got. */
  async function expectNothingMoreFor(
    bobStream: Collected<Typing>,
    witnessStream: Collected<Typing>,
    eve: TestAccount,
    group: TestGroup,
  ) {
    const bobHad = bobStream.values.length;
    const witnessHad = witnessStream.values.length;
    await setTyping(world.url, eve, group, false);
    const seen = await witnessStream.waitFor(witnessHad + 1);
    expect(seen[witnessHad]?.typing.typing).toBe(false);
    expect(bobStream.values).toHaveLength(bobHad);
    witnessStream.stop();
  }

  it.each([
    ['who leaves the group', leaveGroup],
    ['removed by a commit', removeFromGroup],
  ] as const)(
    'ends the typing stream of a member %s (FORBIDDEN), before more typing',
    async (_how, endMembership) => {
      const { bob, eve, witness, group } = await groupOfFour();
      const { bobStream, witnessStream } = await typingFollowers(bob, witness, eve, group);

      await endMembership(world.url, group, bob);
      await bobStream.completed;
      expect(bobStream.errors).toEqual([forbidden]);
      await expectNothingMoreFor(bobStream, witnessStream, eve, group);
    },
  );

  it('keeps the typing stream of members a commit did not remove', async () => {
    const { bob, eve, witness, group } = await groupOfFour();
    const { bobStream, witnessStream } = await typingFollowers(bob, witness, eve, group);
    await removeFromGroup(world.url, group, witness);
    await witnessStream.completed;
    const bobHad = bobStream.values.length;
    await setTyping(world.url, eve, group, false);
    expect((await bobStream.waitFor(bobHad + 1))[bobHad]?.typing.typing).toBe(false);
    expect(bobStream.errors).toEqual([]);
    bobStream.stop();
  });

  it('never hands one viewer’s presence result to another: a member who left sees nothing more of Eve', async () => {
    // Bob and Carol share only the group with Eve. Bob subscribes first, so before the fix his
    // execution of each event was handed to Carol as well.
    const { bob, eve, witness: carol, group } = await groupOfFour();
    const before = followedNow(world.guardyn);
    const bobStream = watchPresence(connect(world.url, bob), [eve.userId]);
    await followingMore(world.guardyn, before);
    // Carol also follows herself: her own change later shows that Eve's was handled before it.
    const afterBob = followedNow(world.guardyn);
    const carolStream = watchPresence(connect(world.url, carol), [eve.userId, carol.userId]);
    await followingMore(world.guardyn, afterBob);
    const toggleEve = presenceToggle(world.url, eve);
    await warmUp(toggleEve, [bobStream, carolStream], about(eve.userId));

    await leaveGroup(world.url, group, carol);
    const carolHadOfEve = carolStream.values.filter(about(eve.userId)).length;
    const bobHad = bobStream.values.length;
    await toggleEve();
    const [latest] = (await bobStream.waitFor(bobHad + 1)).slice(bobHad);
    expect(latest?.presenceChanged.id).toBe(eve.userId);
    expect(['AWAY', 'ONLINE']).toContain(latest?.presenceChanged.presence?.status);
    await setPresence(world.url, carol, 'AWAY');
    await arrival(
      carolStream,
      (value) => about(carol.userId)(value) && value.presenceChanged.presence?.status === 'AWAY',
    );
    expect(carolStream.values.filter(about(eve.userId))).toHaveLength(carolHadOfEve);
    expect(carolStream.errors).toEqual([]);
    bobStream.stop();
    carolStream.stop();
  });

  it('delivers nothing more to the typing and presence streams of a removed device', async () => {
    const { bob, eve, group } = await groupOfFour();
    const tablet = await linkDevice(world.url, bob);
    const tabletSocket = connect(world.url, tablet);
    const phoneSocket = connect(world.url, bob);
    const streams = [tabletSocket, phoneSocket].map((socket) => ({
      typing: watchTyping(socket, group),
      presence: watchPresence(socket, [eve.userId]),
    }));
    const [onTablet, onPhone] = streams;
    if (!onTablet || !onPhone) throw new Error('no streams');
    const toggleEve = presenceToggle(world.url, eve);
    await warmUp(() => setTyping(world.url, eve, group, true), [onTablet.typing, onPhone.typing]);
    await warmUp(toggleEve, [onTablet.presence, onPhone.presence]);

    await removeDevice(world.url, bob, tablet.deviceId);
    expect(await tabletSocket.closed).toBe(CloseCode.DeviceRevoked);
    const tabletHad = [onTablet.typing.values.length, onTablet.presence.values.length];
    const phoneHad = [onPhone.typing.values.length, onPhone.presence.values.length];
    await setTyping(world.url, eve, group, false);
    await toggleEve();
    await onPhone.typing.waitFor((phoneHad[0] ?? 0) + 1);
    await onPhone.presence.waitFor((phoneHad[1] ?? 0) + 1);
    expect([onTablet.typing.values.length, onTablet.presence.values.length]).toEqual(tabletHad);
    onPhone.typing.stop();
    onPhone.presence.stop();
  });
});

describe('with rights re-checked on a short timer', () => {
  const world = useTestGuardyn({
    auth: manyRegistrations,
    presence: { typingMs: 60_000 },
    subscriptionLimits: { rightsRecheckMs: 200 },
  });

  it('ends the typing stream of a member whose membership event was lost', async () => {
    const [owner, bob] = await Promise.all([
      registerAccount(world.url),
      registerAccount(world.url),
    ]);
    if (!owner || !bob) throw new Error('no accounts');
    const group = await createGroupWith(world.url, owner, [bob]);
    const before = followedNow(world.guardyn);
    const bobStream = watchTyping(connect(world.url, bob), group);
    await followingMore(world.guardyn, before);
    // Remove Bob behind the service's back: no membership event is published.
    const db = new Database(path.join(world.guardyn.dataDir, 'messaging.sqlite'));
    try {
      db.prepare('DELETE FROM conversation_members WHERE conversation_id = ? AND user_id = ?').run(
        group.conversationId,
        bob.userId,
      );
    } finally {
      db.close();
    }
    await bobStream.completed;
    expect(bobStream.errors).toEqual([forbidden]);
    expect(bobStream.values).toEqual([]);
  });

  it('starts delivering the presence of a user who becomes visible after subscribing', async () => {
    const [bob, eve] = await Promise.all([registerAccount(world.url), registerAccount(world.url)]);
    if (!bob || !eve) throw new Error('no accounts');
    const before = followedNow(world.guardyn);
    const bobStream = watchPresence(connect(world.url, bob), [eve.userId, bob.userId]);
    // Only Bob himself is visible to Bob.
    await followingMore(world.guardyn, before);
    const followingBob = followedNow(world.guardyn);
    await startDirectConversation(world.url, eve, bob);
    await followingMore(world.guardyn, followingBob);
    await setPresence(world.url, eve, 'AWAY');
    expect((await arrival(bobStream, about(eve.userId))).presenceChanged).toEqual({
      id: eve.userId,
      presence: { status: 'AWAY' },
    });
    bobStream.stop();
  });
});
