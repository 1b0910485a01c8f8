import { rm } from 'node:fs/promises';
import { registerAccount, type TestAccount } from '../support/accounts.js';
import { expectData } from '../support/graphql-client.js';
import { sendMessageMutation, startDirectConversation } from '../support/messaging-client.js';
import {
  collect,
  connectSubscriptions,
  type TestSubscriptionClient,
} from '../support/subscriptions-client.js';
import { startTestGuardyn } from '../support/test-guardyn.js';
import { percentiles, printTable } from './stats.js';

const settle = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function deviceEnvelopes(url: string, from: TestAccount, to: TestAccount) {
  const { user } = await expectData<{
    user: { devices: { deviceId: number; registrationId: number }[] };
  }>(
    url,
    'query ($id: ID!) { user(id: $id) { devices { deviceId registrationId } } }',
    { id: to.userId },
    from.accessToken,
  );
  return user.devices.map((device) => ({
    ...device,
    type: 'SIGNAL_MESSAGE',
    content: Buffer.from('x'.repeat(200)).toString('base64'),
  }));
}

/**
 * Delivery latency (sendMessage returned → subscription event), typing fan-out to many
 * subscribers, and memory per idle socket, on an embedded Guardyn (with NATS when
 * GUARDYN_MESSAGING__NATS_URL is set). Printed, not asserted.
 */
export async function benchRealtime(messages = 1000, subscribers = 1000): Promise<void> {
  const guardyn = await startTestGuardyn({
    auth: { registrationsPerAddress: { limit: 100_000, windowMs: 60_000 } },
    subscriptionLimits: { maxConnectionsPerDevice: subscribers + 10 },
    // The sender's rates would stop the 1,000 messages (bytes count at least 64 KiB a send).
    env: {
      GUARDYN_MESSAGING__SEND_RATE_PER_MINUTE: '100000',
      GUARDYN_MESSAGING__SEND_BYTES_PER_MINUTE: String(2 ** 40),
    },
  });
  const { url } = guardyn;
  const sockets: TestSubscriptionClient[] = [];
  try {
    const alice = await registerAccount(url);
    const bob = await registerAccount(url);
    const conversationId = await startDirectConversation(url, alice, bob);
    const envelopes = await deviceEnvelopes(url, alice, bob);

    // 1. Delivery latency, one message at a time.
    const bobSocket = connectSubscriptions(url, bob.accessToken);
    sockets.push(bobSocket);
    const stream = collect(bobSocket.client, 'subscription { messageReceived { id } }');
    await stream.waitFor(1);
    const latencies: number[] = [];
    for (let i = 0; i < messages; i++) {
      const before = stream.values.length;
      await expectData(
        url,
        sendMessageMutation,
        {
          input: {
            recipientId: bob.userId,
            clientMessageId: `b${i}`,
            deliveryReceipts: false,
            envelopes,
          },
        },
        alice.accessToken,
      );
      const returned = performance.now();
      await stream.waitFor(before + 1, 10_000);
      latencies.push(performance.now() - returned);
    }
    printTable(
      `delivery latency, sendMessage returned → messageReceived event, ${messages} messages (ms)`,
      {
        latency: percentiles(latencies),
      },
    );

    // 2. Typing fan-out: one event to N subscribers (one socket each, as N devices would have).
    const watchers: ReturnType<typeof collect>[] = [];
    const memoryBefore = process.memoryUsage();
    for (let i = 0; i < subscribers; i++) {
      const socket = connectSubscriptions(url, bob.accessToken);
      sockets.push(socket);
      watchers.push(
        collect(
          socket.client,
          'subscription ($c: ID!) { typing(conversationId: $c) { typing user { username } } }',
          { c: conversationId },
        ),
      );
      if (i % 100 === 99) await settle(50);
    }
    await settle(2000);
    global.gc?.();
    const memoryAfter = process.memoryUsage();
    const setTyping = () =>
      expectData(
        url,
        'mutation ($c: ID!) { setTyping(conversationId: $c, typing: true) }',
        { c: conversationId },
        alice.accessToken,
      );
    // Subscribing checks membership per socket; warm up until every socket hears events.
    for (
      let tries = 0;
      tries < 120 && watchers.some((watcher) => watcher.values.length === 0);
      tries++
    ) {
      await setTyping();
      await settle(500);
    }
    const fanOut: number[] = [];
    for (let round = 0; round < 5; round++) {
      const counts = watchers.map((watcher) => watcher.values.length);
      const start = performance.now();
      await setTyping();
      await Promise.all(
        watchers.map((watcher, index) => watcher.waitFor((counts[index] ?? 0) + 1, 30_000)),
      );
      fanOut.push(performance.now() - start);
    }
    printTable(
      `typing fan-out: setTyping → event at all ${subscribers} subscribers, 5 rounds (ms)`,
      { fanOut: percentiles(fanOut) },
    );
    const perSocket = (memoryAfter.rss - memoryBefore.rss) / subscribers;
    console.log(
      `\nmemory per idle subscribed socket (client and server in one process, so an upper bound): ` +
        `${(perSocket / 1024).toFixed(1)} KiB RSS, ${((memoryAfter.heapUsed - memoryBefore.heapUsed) / subscribers / 1024).toFixed(1)} KiB heap`,
    );
  } finally {
    await Promise.all(sockets.map((socket) => socket.dispose()));
    await guardyn.dispose();
    await rm(guardyn.dataDir, { recursive: true, force: true });
  }
}
