import { expect } from '@jest/globals';
import { CloseCode } from '../../../gateway/index.js';
import { linkDevice, registerAccount } from '../../support/accounts.js';
import {
  MessageReceivedDocument,
  PresenceChangedDocument,
  RemoveDeviceDocument,
  SetTypingDocument,
  TypingDocument,
  type PresenceChangedSubscription,
} from '../../../schema/generated/operations.js';
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
  const messages = collect(bobSocket.client, MessageReceivedDocument);
  await messages.waitFor(1, 20_000); // the conversation opener
  await sendOpaqueMessage(url, alice, bob, { content: 'live', clientMessageId: 'live' });
  const [, live] = await messages.waitFor(2, 20_000);
  expect(live?.messageReceived).toMatchObject({
    content: Buffer.from('live').toString('base64'),
    sender: { username: alice.username },
  });

  // Typing: presence publishes, the gateway resolves the user through auth.
  const typing = collect(bobSocket.client, TypingDocument, { conversationId });
  const presence = collect(bobSocket.client, PresenceChangedDocument, { userIds: [alice.userId] });
  // Subscribing is asynchronous (membership is checked first): type until Bob hears it.
  for (let tries = 0; tries < 100 && typing.values.length === 0; tries++) {
    await expectData(url, SetTypingDocument, { conversationId, typing: true }, alice.accessToken);
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
  const isOnline = (value: PresenceChangedSubscription) =>
    value.presenceChanged.presence?.status === 'ONLINE';
  let aliceSocket = connectSubscriptions(url, alice.accessToken);
  for (let tries = 0; tries < 10; tries++) {
    collect(aliceSocket.client, MessageReceivedDocument);
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
  collect(tabletSocket.client, MessageReceivedDocument);
  await tabletSocket.connected;
  await expectData(url, RemoveDeviceDocument, { deviceId: tablet.deviceId }, bob.accessToken);
  expect(await tabletSocket.closed).toBe(CloseCode.DeviceRevoked);

  await Promise.all([bobSocket.dispose(), aliceSocket.dispose()]);
}
