/**
 * The recipients: one graphql-ws socket per device subscribed to `messageReceived`, which
 * replays the device's mailbox first and then delivers live. Every arrival is recorded and
 * acknowledged (`ackEnvelopes`, batched, retried until it succeeds). A socket that closes is
 * reopened with backoff and the subscription resumes from the mailbox; so is a subscription
 * the server ends with an error.
 */
import { createClient, type Client } from 'graphql-ws';
import WebSocket from 'ws';
import {
  AckEnvelopesDocument,
  MessageReceivedDocument,
  type MessageReceivedSubscription,
} from '../../../schema/generated/operations.js';
import { sourceOf } from '../../support/graphql-client.js';
import { wsUrl } from '../../support/subscriptions-client.js';
import { attempt } from './attempt.js';
import type { Ledger } from './ledger.js';
import type { LoadDevice } from './world.js';

export interface RunningReceivers {
  /** How many times the sockets (re)connected, all devices together. */
  readonly connections: () => number;
  stop(): Promise<void>;
}

/**
 * Subscribes every device through the gateway that `route(index of the device)` names when its
 * socket (re)opens or it acknowledges.
 */
export function startReceivers(
  route: (client: number) => string,
  devices: readonly LoadDevice[],
  ledger: Ledger,
): RunningReceivers {
  let connections = 0;
  const receivers = devices.map((device, index) =>
    receive(
      () => route(index),
      device,
      ledger,
      () => {
        connections++;
      },
    ),
  );
  return {
    connections: () => connections,
    async stop() {
      await Promise.all(receivers.map((receiver) => receiver.stop()));
    },
  };
}

function receive(url: () => string, device: LoadDevice, ledger: Ledger, onConnected: () => void) {
  let stopped = false;
  /** Envelope id → content, arrived and not yet acknowledged. */
  const unacked = new Map<string, string>();
  // graphql-ws resubscribes on every new connection: each connection starts new streams.
  let connection = 0;
  let connectedAt = 0;
  let subscriptions = 0;
  const client: Client = createClient({
    url: () => wsUrl(url()),
    webSocketImpl: WebSocket,
    lazy: true,
    keepAlive: 5_000,
    retryAttempts: Number.MAX_SAFE_INTEGER,
    shouldRetry: () => !stopped,
    retryWait: async (retries) => {
      await new Promise((resolve) => setTimeout(resolve, Math.min(250 * 2 ** retries, 3_000)));
    },
    connectionParams: () => ({ authorization: `Bearer ${device.accessToken}` }),
    on: {
      connected: () => {
        connection++;
        connectedAt = Date.now();
        onConnected();
      },
    },
  });

  const subscribe = () => {
    const subscription = ++subscriptions;
    const subscribedAt = Date.now();
    client.subscribe<MessageReceivedSubscription>(
      { query: sourceOf(MessageReceivedDocument) },
      {
        next: ({ data }) => {
          if (!data) return;
          const { id, content } = data.messageReceived;
          ledger.arrived(device.key, content, {
            id: `${subscription}/${connection}`,
            startedAt: Math.max(subscribedAt, connectedAt),
          });
          unacked.set(id, content);
        },
        // The server ended the subscription (e.g. a service behind it was down): subscribe again.
        error: () => resubscribe(),
        complete: () => resubscribe(),
      },
    );
  };
  const resubscribe = () => {
    if (!stopped) setTimeout(subscribe, 500);
  };

  const flushAcks = async () => {
    if (unacked.size === 0) return;
    const batch = [...unacked];
    const outcome = await attempt(
      url(),
      AckEnvelopesDocument,
      { ids: batch.map(([id]) => id) },
      device.accessToken,
    );
    if (!outcome.ok) return;
    for (const [id, content] of batch) {
      unacked.delete(id);
      ledger.acknowledged(device.key, content);
    }
  };
  let acking = Promise.resolve();
  const ackTimer = setInterval(() => {
    acking = acking.then(flushAcks);
  }, 200);

  subscribe();
  return {
    async stop() {
      stopped = true;
      clearInterval(ackTimer);
      await acking;
      await flushAcks();
      await client.dispose();
    },
  };
}
