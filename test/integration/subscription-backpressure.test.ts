import { expect, it } from '@jest/globals';
import WebSocket from 'ws';
import { CloseCode } from '../../gateway/index.js';
import { registerAccount } from '../support/accounts.js';
import { sendOpaqueMessage } from '../support/messaging-client.js';
import { samplesOf, scrape } from '../support/metrics-text.js';
import { wsUrl } from '../support/subscriptions-client.js';
import { useTestGuardyn } from '../support/use-test-guardyn.js';

const world = useTestGuardyn({
  // Pings would end a paused client (no pong) before the slow-consumer rule could show.
  subscriptionLimits: { maxQueuedResults: 3, maxBufferedBytes: 64 * 1024, keepAliveMs: 60_000 },
  // 40 sends of 200 KiB in a burst is what the send rate refuses; this test is about sockets.
  env: { GUARDYN_MESSAGING__SEND_RATE_PER_MINUTE: '1000' },
});

/** A raw graphql-transport-ws client that can stop reading its socket. */
function rawClient(token: string) {
  const socket = new WebSocket(wsUrl(world.url), 'graphql-transport-ws');
  const closed = new Promise<number>((resolve) => socket.on('close', (code) => resolve(code)));
  const acknowledged = new Promise<void>((resolve) => {
    socket.on('message', (data: Buffer) => {
      if ((JSON.parse(data.toString()) as { type: string }).type === 'connection_ack') resolve();
    });
  });
  socket.on('open', () =>
    socket.send(
      JSON.stringify({ type: 'connection_init', payload: { authorization: `Bearer ${token}` } }),
    ),
  );
  return { socket, closed, acknowledged };
}

it('disconnects a consumer that stops reading instead of buffering without bound', async () => {
  const alice = await registerAccount(world.url);
  const bob = await registerAccount(world.url);
  const client = rawClient(bob.accessToken);
  await client.acknowledged;
  client.socket.send(
    JSON.stringify({
      id: '1',
      type: 'subscribe',
      payload: { query: 'subscription { messageReceived { content } }' },
    }),
  );
  // Bob's client stops reading; Alice sends large envelopes.
  (client.socket as unknown as { _socket: { pause(): void } })._socket.pause();
  const content = Buffer.alloc(200 * 1024, 7);
  // 40 envelopes of 200 KiB: far more than the socket buffers and the 3-result queue hold.
  for (let sent = 0; sent < 40; sent++) {
    await sendOpaqueMessage(world.url, alice, bob, { content, clientMessageId: `big-${sent}` });
  }
  (client.socket as unknown as { _socket: { resume(): void } })._socket.resume();
  expect(await client.closed).toBe(CloseCode.SlowConsumer);
  // Operators see it: one socket dropped as a slow consumer (counted once, however many events
  // found it behind).
  const gateway = await scrape(world.guardyn.gateway?.origin ?? '');
  expect(
    samplesOf(gateway, 'guardyn_subscription_sockets_dropped_total', {
      reason: 'slow_consumer',
    }).map((sample) => sample.value),
  ).toEqual([1]);
}, 60_000);
