import path from 'node:path';
import { describe, expect, it } from '@jest/globals';
import Database from 'better-sqlite3';
import WebSocket from 'ws';
import { CloseCode } from '../../gateway/index.js';
import {
  linkDevice,
  registerAccount,
  removeDevice,
  type TestAccount,
} from '../support/accounts.js';
import { eventually, until } from '../support/eventually.js';
import { expectData } from '../support/graphql-client.js';
import {
  ackEnvelopes,
  sendOpaqueMessage,
  startDirectConversation,
} from '../support/messaging-client.js';
import { collect, connectSubscriptions, wsUrl } from '../support/subscriptions-client.js';
import { manyRegistrations } from '../support/test-guardyn.js';
import { useTestGuardyn } from '../support/use-test-guardyn.js';

const world = useTestGuardyn({
  auth: manyRegistrations,
  presence: { typingMs: 300 },
  // One sender streams 300 messages here: far above the per-minute send rate.
  env: { GUARDYN_MESSAGING__SEND_RATE_PER_MINUTE: '100000' },
  subscriptionLimits: {
    maxConnectionsPerDevice: 2,
    maxSubscriptionsPerConnection: 3,
    keepAliveMs: 100,
    mailboxPollMs: 300,
  },
});

const followedSubjects = () => world.guardyn.gateway?.subscriptions.followedSubjects() ?? 0;

interface Received {
  messageReceived: {
    id: string;
    type: string;
    content: string;
    sender: { username: string; presence: { status: string } | null };
  };
}
const messageSubscription = `subscription { messageReceived { id type content sender { username presence { status } } } }`;

const sendOpaque = (from: TestAccount, to: TestAccount, text: string) =>
  sendOpaqueMessage(world.url, from, to, {
    content: text,
    clientMessageId: `${text}-${Math.random()}`,
  });

function closeCodeOfRawSocket(init: Record<string, unknown> | null): Promise<number> {
  return new Promise((resolve, reject) => {
    const socket = new WebSocket(wsUrl(world.url), 'graphql-transport-ws');
    socket.on('open', () =>
      socket.send(JSON.stringify({ type: 'connection_init', ...(init ? { payload: init } : {}) })),
    );
    socket.on('close', (code) => resolve(code));
    socket.on('error', reject);
  });
}

describe('authentication', () => {
  it('closes sockets without a valid token with 4401', async () => {
    expect(await closeCodeOfRawSocket(null)).toBe(CloseCode.Unauthorized);
    expect(await closeCodeOfRawSocket({ authorization: 'Bearer nope' })).toBe(
      CloseCode.Unauthorized,
    );
    expect(await closeCodeOfRawSocket({ authorization: 42 })).toBe(CloseCode.Unauthorized);
  });

  it('closes a removed device’s sockets (4403) and a revoked session’s (4401)', async () => {
    const alice = await registerAccount(world.url);
    const tablet = await linkDevice(world.url, alice);
    const tabletSocket = connectSubscriptions(world.url, tablet.accessToken);
    const tabletStream = collect(tabletSocket.client, messageSubscription);
    await eventually(async () => world.guardyn.gateway?.subscriptions.connectionCount() ?? 0, 1);
    await removeDevice(world.url, alice, tablet.deviceId);
    expect(await tabletSocket.closed).toBe(CloseCode.DeviceRevoked);
    tabletStream.stop();

    const phoneSocket = connectSubscriptions(world.url, alice.accessToken);
    collect(phoneSocket.client, messageSubscription);
    await eventually(async () => world.guardyn.gateway?.subscriptions.connectionCount() ?? 0, 1);
    await expectData(world.url, 'mutation { logout }', {}, alice.accessToken);
    expect(await phoneSocket.closed).toBe(CloseCode.Unauthorized);
  });
});

describe('messageReceived', () => {
  it('delivers the pending mailbox first, then live envelopes, with federated fields', async () => {
    const alice = await registerAccount(world.url);
    const bob = await registerAccount(world.url);
    await sendOpaque(alice, bob, 'one');
    await sendOpaque(alice, bob, 'two');
    const socket = connectSubscriptions(world.url, bob.accessToken);
    const stream = collect<Received>(socket.client, messageSubscription);
    await stream.waitFor(2);
    await sendOpaque(alice, bob, 'three');
    const values = await stream.waitFor(3);
    expect(values.map((v) => Buffer.from(v.messageReceived.content, 'base64').toString())).toEqual([
      'one',
      'two',
      'three',
    ]);
    // Alice has no socket, but she has written to Bob, so Bob sees her presence.
    expect(values[0]?.messageReceived.sender).toEqual({
      username: alice.username,
      presence: { status: 'OFFLINE' },
    });
    stream.stop();
    await socket.dispose();
  });

  it('loses nothing and duplicates nothing across many reconnects', async () => {
    const alice = await registerAccount(world.url);
    const bob = await registerAccount(world.url);
    const total = 300;
    const delivered = new Map<string, number>();
    let acked = 0;

    const sending = (async () => {
      for (let i = 0; i < total; i++) await sendOpaque(alice, bob, `m${i}`);
    })();

    // Bob connects, takes a few envelopes, acks them, drops the socket, and comes back.
    let sessions = 0;
    while (acked < total) {
      sessions++;
      const socket = connectSubscriptions(world.url, bob.accessToken);
      const stream = collect<Received>(socket.client, 'subscription { messageReceived { id } }');
      const want = Math.min(total - acked, 40 + sessions * 7);
      const got = await stream.waitFor(want, 30_000).catch(() => stream.values);
      const ids = got.map((value) => value.messageReceived.id);
      for (const id of ids) delivered.set(id, (delivered.get(id) ?? 0) + 1);
      // Ack only part of what arrived before dropping: the rest must come again.
      const toAck = ids.slice(0, Math.ceil(ids.length * 0.8));
      acked += await ackEnvelopes(world.url, bob.accessToken, toAck);
      stream.stop();
      await socket.dispose();
      if (sessions > 60) throw new Error('too many reconnects');
    }
    await sending;

    expect(sessions).toBeGreaterThan(3);
    expect(delivered.size).toBe(total);
    expect(acked).toBe(total);
    const { inbox } = await expectData<{ inbox: { edges: unknown[] } }>(
      world.url,
      '{ inbox { edges { id } } }',
      {},
      bob.accessToken,
    );
    expect(inbox.edges).toEqual([]);
  }, 120_000);

  it('still delivers, once, an envelope a store committed behind the stream’s cursor', async () => {
    const alice = await registerAccount(world.url);
    const bob = await registerAccount(world.url);
    await sendOpaque(alice, bob, 'first');
    const socket = connectSubscriptions(world.url, bob.accessToken);
    const stream = collect<Received>(
      socket.client,
      'subscription { messageReceived { id content } }',
    );
    const [first] = await stream.waitFor(1);
    // A distributed store can make an envelope visible after a later one was read: write one
    // with a lower server order than the one the stream has passed.
    const db = new Database(path.join(world.guardyn.dataDir, 'messaging.sqlite'));
    try {
      const row = db
        .prepare('SELECT * FROM envelopes WHERE id = ?')
        .get(first?.messageReceived.id) as Record<string, unknown>;
      db.prepare('UPDATE envelopes SET seq = seq + 1000000 WHERE id = ?').run(
        first?.messageReceived.id,
      );
      db.prepare(
        `INSERT INTO envelopes (seq, id, message_id, recipient_user_id, recipient_device_id, type, sender_user_id,
           sender_device_id, conversation_id, content, server_timestamp, expires_at, receipt_requested)
         VALUES (?, 'late-envelope', 'late', ?, ?, ?, ?, ?, ?, ?, ?, ?, 0)`,
      ).run(
        Number(row['seq']),
        row['recipient_user_id'],
        row['recipient_device_id'],
        row['type'],
        row['sender_user_id'],
        row['sender_device_id'],
        row['conversation_id'],
        Buffer.from('late'),
        row['server_timestamp'],
        row['expires_at'],
      );
    } finally {
      db.close();
    }
    const [, late] = await stream.waitFor(2);
    expect(late?.messageReceived).toEqual({
      id: 'late-envelope',
      content: Buffer.from('late').toString('base64'),
    });
    await new Promise((resolve) => setTimeout(resolve, 700));
    expect(stream.values).toHaveLength(2);
    stream.stop();
    await socket.dispose();
  });

  it('stops all work for a client that leaves', async () => {
    const alice = await registerAccount(world.url);
    const before = world.guardyn.gateway?.subscriptions.followedSubjects() ?? 0;
    const socket = connectSubscriptions(world.url, alice.accessToken);
    const stream = collect(socket.client, messageSubscription);
    expect(
      await eventually(
        async () => world.guardyn.gateway?.subscriptions.followedSubjects(),
        before + 1,
      ),
    ).toBe(before + 1);
    stream.stop();
    expect(
      await eventually(async () => world.guardyn.gateway?.subscriptions.followedSubjects(), before),
    ).toBe(before);
    await socket.dispose();
  });
});

describe('typing and presence', () => {
  it('delivers typing to members only, with federated users, and ends it after a pause', async () => {
    const alice = await registerAccount(world.url);
    const bob = await registerAccount(world.url);
    const carol = await registerAccount(world.url);
    const conversationId = await startDirectConversation(world.url, alice, bob);

    const carolSocket = connectSubscriptions(world.url, carol.accessToken);
    const spy = collect(
      carolSocket.client,
      'subscription ($c: ID!) { typing(conversationId: $c) { typing } }',
      { c: conversationId },
    );
    await spy.completed;
    expect(spy.errors).toEqual([
      expect.objectContaining({ extensions: expect.objectContaining({ code: 'FORBIDDEN' }) }),
    ]);

    const followed = followedSubjects();
    const bobSocket = connectSubscriptions(world.url, bob.accessToken);
    const stream = collect<{
      typing: { conversationId: string; typing: boolean; who: { username: string } };
    }>(
      bobSocket.client,
      'subscription ($c: ID!) { typing(conversationId: $c) { conversationId typing who: user { username } } }',
      { c: conversationId },
    );
    await until(followedSubjects, (count) => count > followed);
    await expectData(
      world.url,
      'mutation ($c: ID!) { setTyping(conversationId: $c, typing: true) }',
      { c: conversationId },
      alice.accessToken,
    );
    const [started, stopped] = await stream.waitFor(2);
    expect(started?.typing).toEqual({
      conversationId,
      typing: true,
      who: { username: alice.username },
    });
    expect(stopped?.typing.typing).toBe(false);

    stream.stop();
    await Promise.all([bobSocket.dispose(), carolSocket.dispose()]);
  });

  it('announces presence changes to conversation peers only; strangers are filtered out', async () => {
    const alice = await registerAccount(world.url);
    const bob = await registerAccount(world.url);
    const carol = await registerAccount(world.url);
    await startDirectConversation(world.url, alice, bob);

    const followed = followedSubjects();
    const bobSocket = connectSubscriptions(world.url, bob.accessToken);
    const stream = collect<{ presenceChanged: { id: string; presence: { status: string } } }>(
      bobSocket.client,
      'subscription ($ids: [ID!]!) { presenceChanged(userIds: $ids) { id presence { status } } }',
      { ids: [alice.userId, carol.userId] },
    );
    await until(followedSubjects, (count) => count > followed);
    // Carol comes online first: Bob must not hear of it. Then Alice connects.
    const carolSocket = connectSubscriptions(world.url, carol.accessToken);
    collect(carolSocket.client, messageSubscription);
    const aliceSocket = connectSubscriptions(world.url, alice.accessToken);
    collect(aliceSocket.client, messageSubscription);
    const [online] = await stream.waitFor(1);
    expect(online?.presenceChanged).toEqual({ id: alice.userId, presence: { status: 'ONLINE' } });
    await aliceSocket.dispose();
    const [, offline] = await stream.waitFor(2);
    expect(offline?.presenceChanged).toEqual({ id: alice.userId, presence: { status: 'OFFLINE' } });
    expect(stream.values.every((value) => value.presenceChanged.id === alice.userId)).toBe(true);
    stream.stop();
    await Promise.all([bobSocket.dispose(), carolSocket.dispose()]);
  });
});

describe('limits', () => {
  it('pings sockets to keep them alive', async () => {
    const alice = await registerAccount(world.url);
    const socket = new WebSocket(wsUrl(world.url), 'graphql-transport-ws');
    let pings = 0;
    socket.on('ping', () => pings++);
    socket.on('open', () =>
      socket.send(
        JSON.stringify({
          type: 'connection_init',
          payload: { authorization: `Bearer ${alice.accessToken}` },
        }),
      ),
    );
    expect(
      await until(
        () => pings,
        (count) => count >= 2,
      ),
    ).toBeGreaterThanOrEqual(2);
    socket.close();
  });

  it('refuses a device’s third socket and a socket’s fourth subscription', async () => {
    const alice = await registerAccount(world.url);
    const sockets = [
      connectSubscriptions(world.url, alice.accessToken),
      connectSubscriptions(world.url, alice.accessToken),
    ];
    for (const socket of sockets) collect(socket.client, messageSubscription);
    await eventually(async () => world.guardyn.gateway?.subscriptions.connectionCount() ?? 0, 2);
    const third = connectSubscriptions(world.url, alice.accessToken);
    collect(third.client, messageSubscription);
    expect(await third.closed).toBe(CloseCode.TooManyConnections);

    const [first] = sockets;
    if (!first) throw new Error('no socket');
    for (let i = 0; i < 2; i++) collect(first.client, messageSubscription);
    const fourth = collect(first.client, messageSubscription);
    await fourth.completed;
    expect(fourth.errors).toEqual([
      expect.objectContaining({ extensions: expect.objectContaining({ code: 'RATE_LIMITED' }) }),
    ]);
    await Promise.all(sockets.map((socket) => socket.dispose()));
  });
});
