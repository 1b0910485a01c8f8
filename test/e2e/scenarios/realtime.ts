import { expect } from '@jest/globals';
import { CloseCode } from '../../../gateway/index.js';
import { linkDevice, registerAccount } from '../../support/accounts.js';
import { expectData } from '../../support/graphql-client.js';
import { sendOpaqueMessage, startDirectConversation } from '../../support/messaging-client.js';
import { until } from '../../support/eventually.js';
import { collect, connectSubscriptions } from '../../support/subscriptions-client.js';
import type { E2eTarget } from './target.js';

/**
 * Messages, typing, presence and revocation through graphql-ws, with every event crossing the
 * bus (the mailbox hint, typing, connection and presence events, the device revocation).
 */
export async function realtimeScenario(guardyn: E2eTarget): Promise<void> {
  const url = guardyn.url;
  const alice = await registerAccount(url);
  const bob = await registerAccount(url);
  const conversationId = await startDirectConversation(url, alice, bob);

  // Messages: the mailbox hint crosses NATS from messaging to the gateway.
  const bobSocket = connectSubscriptions(url, bob.accessToken);
  const messages = collect<{ messageReceived: { content: string; sender: { username: string } } }>(
    bobSocket.client,
    'subscription { messageReceived { content sender { username } } }',
  );
  await messages.waitFor(1, 20_000); // the conversation opener
  await sendOpaqueMessage(url, alice, bob, { content: 'live', clientMessageId: 'live' });
  const [, live] = await messages.waitFor(2, 20_000);
  expect(live?.messageReceived).toEqual({
    content: Buffer.from('live').toString('base64'),
    sender: { username: alice.username },
  });

  // Typing: presence publishes, the gateway resolves the user through auth.
  const typing = collect<{ typing: { typing: boolean; user: { username: string } } }>(
    bobSocket.client,
    'subscription ($c: ID!) { typing(conversationId: $c) { typing user { username } } }',
    { c: conversationId },
  );
  const presence = collect<{ presenceChanged: { id: string; presence: { status: string } } }>(
    bobSocket.client,
    'subscription ($ids: [ID!]!) { presenceChanged(userIds: $ids) { id presence { status } } }',
    { ids: [alice.userId] },
  );
  // Subscribing is asynchronous (membership is checked first): type until Bob hears it.
  for (let tries = 0; tries < 100 && typing.values.length === 0; tries++) {
    await expectData(
      url,
      'mutation ($c: ID!) { setTyping(conversationId: $c, typing: true) }',
      { c: conversationId },
      alice.accessToken,
    );
    await until(
      () => typing.values.length,
      (count) => count > 0,
      200,
    );
  }
  const [started] = await typing.waitFor(1, 1_000);
  expect(started?.typing).toEqual({ typing: true, user: { username: alice.username } });

  // Presence: the gateway announces Alice's socket; presence turns it into ONLINE. Should
  // Bob's presence subscription still be attaching, Alice reconnects (a new ONLINE).
  const isOnline = (value: { presenceChanged: { presence: { status: string } } }) =>
    value.presenceChanged.presence.status === 'ONLINE';
  let aliceSocket = connectSubscriptions(url, alice.accessToken);
  for (let tries = 0; tries < 10; tries++) {
    collect(aliceSocket.client, 'subscription { messageReceived { id } }');
    await until(() => presence.values.some(isOnline), Boolean, 2_000);
    if (presence.values.some(isOnline)) break;
    await aliceSocket.dispose();
    aliceSocket = connectSubscriptions(url, alice.accessToken);
  }
  expect(presence.values.find(isOnline)?.presenceChanged).toEqual({
    id: alice.userId,
    presence: { status: 'ONLINE' },
  });

  // Revocation: auth removes a device; the gateway process closes its socket.
  const tablet = await linkDevice(url, bob);
  const tabletSocket = connectSubscriptions(url, tablet.accessToken);
  collect(tabletSocket.client, 'subscription { messageReceived { id } }');
  await tabletSocket.connected;
  await expectData(
    url,
    'mutation ($d: Int!) { removeDevice(deviceId: $d) }',
    { d: tablet.deviceId },
    bob.accessToken,
  );
  expect(await tabletSocket.closed).toBe(CloseCode.DeviceRevoked);

  await Promise.all([bobSocket.dispose(), aliceSocket.dispose()]);
}
