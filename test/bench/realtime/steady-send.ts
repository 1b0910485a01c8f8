import { postJson } from '../../../shared/http/post-json.js';
import type { TestAccount } from '../../support/accounts.js';
import { sendMessageMutation } from '../../support/messaging-client.js';
import { connectSubscriptions } from '../../support/subscriptions-client.js';
import { percentiles, type Percentiles } from '../stats.js';

/** One sender's envelopes for one recipient's devices, with the content left to fill in. */
export interface Route {
  readonly sender: TestAccount;
  readonly recipient: TestAccount;
  readonly devices: readonly { deviceId: number; registrationId: number }[];
}

export interface SteadyResult {
  readonly targetRate: number;
  readonly achievedRate: number;
  /** Sends the schedule wanted but skipped because `maxInFlight` were already in flight. */
  readonly skipped: number;
  readonly failed: number;
  /** Sent but never delivered within the drain time. */
  readonly lost: number;
  readonly send: Percentiles;
  readonly delivery: Percentiles;
}

/** 256 opaque bytes whose first bytes name the send, so its event can be matched to it. */
function content(seq: number): string {
  return Buffer.from(`seq:${seq}:`.padEnd(256, 'x')).toString('base64');
}

function seqOf(base64: string): number {
  return Number(Buffer.from(base64, 'base64').toString().split(':')[1]);
}

/**
 * Opens `count` keep-alive connections to the server before the clock starts, one per send that
 * may be in flight, as a messenger's clients hold theirs. Without it the first burst opens them
 * while the server is busy, and a busy Node server accepts one connection per turn of its event
 * loop (libuv since 1.46, libuv/libuv#3696): sends on those connections waited seconds in the
 * kernel's accept queue, which is what held them "for the whole run" in earlier measurements.
 */
async function openConnections(url: string, count: number): Promise<void> {
  const ping = JSON.stringify({ query: '{ __typename }' });
  await Promise.all(
    Array.from({ length: count }, () => postJson(url, ping, { headers: {}, timeoutMs: 30_000 })),
  );
}

export interface SteadyOptions {
  /** Sends outstanding at most; a due send beyond it is skipped (and counted). */
  readonly maxInFlight: number;
  /**
   * The first message number. Numbers must stay unique across runs on the same accounts: a new
   * subscription re-reads what an earlier one did not acknowledge.
   */
  readonly firstId: number;
}

/**
 * Sends at a steady `rate` (open loop: the schedule does not wait for answers, up to
 * `maxInFlight` outstanding) for `seconds`, spread over the routes, and times each message from
 * `sendMessage` returning to its recipient's `messageReceived` event. Returns the next unused
 * message number with the result.
 */
export async function steadySend(
  url: string,
  routes: readonly Route[],
  rate: number,
  seconds: number,
  { maxInFlight, firstId }: SteadyOptions,
): Promise<{ readonly result: SteadyResult; readonly nextId: number }> {
  const returnedAt = new Map<number, number>();
  const deliveredAt = new Map<number, number>();
  const recipients = [...new Map(routes.map((r) => [r.recipient.userId, r.recipient])).values()];
  const sockets = recipients.map((recipient) => connectSubscriptions(url, recipient.accessToken));
  // Each event is timed as it arrives, matched to its send by its content.
  const stops = sockets.map((socket) =>
    socket.client.subscribe<{ messageReceived: { content: string } }>(
      { query: 'subscription { messageReceived { content } }' },
      {
        next: ({ data }) => {
          const id = data ? seqOf(data.messageReceived.content) : NaN;
          if (!deliveredAt.has(id)) deliveredAt.set(id, performance.now());
        },
        error: () => undefined,
        complete: () => undefined,
      },
    ),
  );
  const sendLatencies: number[] = [];
  let seq = 0;
  let inFlight = 0;
  let skipped = 0;
  let failed = 0;
  try {
    await Promise.all(sockets.map((socket) => socket.connected));
    await openConnections(url, maxInFlight);
    // The subscriptions read their backlog first; start once that is done.
    await new Promise((resolve) => setTimeout(resolve, 1000));
    const sendOne = async (route: Route, id: number) => {
      inFlight++;
      const started = performance.now();
      try {
        const response = await postJson(
          url,
          JSON.stringify({
            query: sendMessageMutation,
            variables: {
              input: {
                recipientId: route.recipient.userId,
                clientMessageId: `s${id}-${Date.now()}`,
                deliveryReceipts: false,
                envelopes: route.devices.map((device) => ({
                  ...device,
                  type: 'SIGNAL_MESSAGE',
                  content: content(id),
                })),
              },
            },
          }),
          { headers: { authorization: `Bearer ${route.sender.accessToken}` }, timeoutMs: 30_000 },
        );
        const returned = performance.now();
        if (response.status !== 200 || response.body.includes('"errors"')) {
          failed++;
          return;
        }
        returnedAt.set(id, returned);
        sendLatencies.push(returned - started);
      } catch {
        failed++;
      } finally {
        inFlight--;
      }
    };

    const start = performance.now();
    const end = start + seconds * 1000;
    await new Promise<void>((resolve) => {
      const tick = setInterval(() => {
        const now = performance.now();
        const due = Math.min(Math.floor(((now - start) / 1000) * rate), seconds * rate);
        while (seq + skipped < due) {
          if (inFlight >= maxInFlight) {
            skipped++;
            continue;
          }
          const id = firstId + seq++;
          void sendOne(routes[id % routes.length] as Route, id);
        }
        if (now >= end) {
          clearInterval(tick);
          resolve();
        }
      }, 2);
    });
    const elapsed = (performance.now() - start) / 1000;
    // Let the last sends return and their events arrive.
    const drainUntil = performance.now() + 5000;
    while ((inFlight > 0 || deliveredAt.size < returnedAt.size) && performance.now() < drainUntil) {
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    const deliveries: number[] = [];
    let lost = 0;
    for (const [id, returned] of returnedAt) {
      const delivered = deliveredAt.get(id);
      if (delivered === undefined) lost++;
      // An event may beat the HTTP answer to the sender (it then counts as 0 ms).
      else deliveries.push(Math.max(0, delivered - returned));
    }
    const result: SteadyResult = {
      targetRate: rate,
      achievedRate: returnedAt.size / elapsed,
      skipped,
      failed,
      lost,
      send: percentiles(sendLatencies),
      delivery: percentiles(deliveries),
    };
    return { result, nextId: firstId + seq };
  } finally {
    stops.forEach((stop) => stop());
    await Promise.all(sockets.map((socket) => socket.dispose()));
  }
}
