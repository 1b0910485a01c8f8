/**
 * Issue 15, item 5: one device reads its socket slowly (a trickle through a proxy) and another
 * of the same user is gone without closing (its proxy frozen: no byte either way), while a
 * sender fills their mailboxes with large messages. The gateway must not hold what it cannot
 * deliver (send buffer and queue limits, close 4413; unanswered pings end a silent socket), so
 * its memory stays bounded, and the user ends OFFLINE once both sockets are ended.
 */
import { randomBytes } from 'node:crypto';
import { MessageReceivedDocument } from '../../../schema/generated/operations.js';
import { linkDevice, registerAccount } from '../../support/accounts.js';
import { sendOpaqueMessage } from '../../support/messaging-client.js';
import { samplesOf, scrape } from '../../support/metrics-text.js';
import { collect, connectSubscriptions } from '../../support/subscriptions-client.js';
import type { FaultDeployment } from './deployment.js';
import { memoryOf, type MemorySample } from './memory.js';
import { seenPresent } from './presence.js';
import { startThrottlingProxy } from './throttling-proxy.js';

/** The gateway's memory at one moment of the run, with how many messages were sent by then. */
export interface MemoryPoint extends MemorySample {
  readonly sent: number;
}

export interface SlowConsumerOutcome {
  readonly sent: number;
  /** MiB of content the sender stored for the two devices together (base64, as sent). */
  readonly sentMiB: number;
  /** The measured gateway's memory before sending. */
  readonly baseline: MemorySample;
  /** Sampled every second while sending. */
  readonly whileSending: readonly MemoryPoint[];
  /** Once both sockets ended: the lowest of a few samples (a collection may fall between). */
  readonly after: MemorySample;
  /** Whether the user was still seen present when the wait ended. */
  readonly stillPresent: boolean;
  /** Sockets the measured gateway ended over the run, as slow or silent (its own counter). */
  readonly droppedSockets: number;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** `guardyn_subscription_sockets_dropped_total` over every reason, from the gateway's /metrics. */
async function droppedSocketsOf(port: number): Promise<number> {
  const samples = await scrape(`http://127.0.0.1:${port}`);
  return samplesOf(samples, 'guardyn_subscription_sockets_dropped_total').reduce(
    (sum, sample) => sum + sample.value,
    0,
  );
}

/**
 * 480 messages of 96 KiB (about 120 MiB for the two devices): enough that a gateway keeping what
 * it cannot deliver would stand out from V8's own growth under a burst of reads (its young
 * generation alone may take some 30 MiB of RSS), which 160 (40 MiB) did not.
 */
export async function runSlowConsumers(
  deployment: FaultDeployment,
  { messages = 480, contentBytes = 96 * 1024, presenceMs = 120_000 } = {},
): Promise<SlowConsumerOutcome> {
  const { url, ports } = deployment.guardyn;
  const gatewayMemory = () => memoryOf(ports.gateway);
  // The sender goes through a gateway of its own: the measured one only delivers.
  const senderGateway = await deployment.guardyn.startReplica('gateway');
  const senderUrl = `${senderGateway.origin}/graphql`;
  const sender = await registerAccount(url);
  const reader = await registerAccount(url);
  // Speaking to the sender lets the sender see the reader's presence.
  await sendOpaqueMessage(url, reader, sender);
  const gone = await linkDevice(url, reader, { deviceName: 'gone' });
  const slowProxy = await startThrottlingProxy(ports.gateway);
  const frozenProxy = await startThrottlingProxy(ports.gateway);
  const slowSocket = connectSubscriptions(slowProxy.url, reader.accessToken);
  const goneSocket = connectSubscriptions(frozenProxy.url, gone.accessToken);
  try {
    await Promise.all([slowSocket.connected, goneSocket.connected]);
    collect(slowSocket.client, MessageReceivedDocument);
    collect(goneSocket.client, MessageReceivedDocument);
    await sleep(1_000);
    const droppedBefore = await droppedSocketsOf(ports.gateway);
    slowProxy.setMode('slow');
    frozenProxy.setMode('frozen');
    const baseline = await gatewayMemory();
    const whileSending: MemoryPoint[] = [];
    let sent = 0;
    const sampling = setInterval(() => {
      const at = sent;
      void gatewayMemory().then((sample) => whileSending.push({ ...sample, sent: at }));
    }, 1_000);
    try {
      for (; sent < messages; sent++) {
        await sendOpaqueMessage(senderUrl, sender, reader, {
          content: randomBytes(contentBytes),
          deliveryReceipts: false,
        });
      }
    } finally {
      clearInterval(sampling);
    }
    const deadline = Date.now() + presenceMs;
    let present = await seenPresent(url, sender.accessToken, reader.userId);
    while (present && Date.now() < deadline) {
      await sleep(1_000);
      present = await seenPresent(url, sender.accessToken, reader.userId);
    }
    const after: MemorySample[] = [];
    for (let sample = 0; sample < 5; sample++) {
      after.push(await gatewayMemory());
      await sleep(1_000);
    }
    return {
      sent,
      sentMiB: Math.round((sent * 2 * Math.ceil(contentBytes / 3) * 4) / 2 ** 20),
      baseline,
      whileSending,
      after: {
        rss: Math.min(...after.map((sample) => sample.rss)),
        live: Math.min(...after.map((sample) => sample.live)),
      },
      stillPresent: present,
      droppedSockets: (await droppedSocketsOf(ports.gateway)) - droppedBefore,
    };
  } finally {
    await Promise.all([slowSocket.dispose(), goneSocket.dispose()]);
    await Promise.all([slowProxy.close(), frozenProxy.close()]);
    await senderGateway.kill();
  }
}

/** How the gateway's memory moved over a slow-consumer run (MiB above its baseline). */
export interface SlowConsumerGrowth {
  /** The highest RSS while sending. */
  readonly peakRss: number;
  /** The highest live memory over the first half of the sends, and over the second half. */
  readonly liveFirstHalf: number;
  readonly liveSecondHalf: number;
  /** Live memory once the sockets ended. */
  readonly liveAfter: number;
}

/**
 * RSS alone cannot tell: V8 and malloc keep what they once took, and a burst of reads grows it
 * for good. Live memory (heap used plus external) saws up and down with each collection: its highs
 * over the two halves of the sends are printed, not judged, since in CI the first half's high
 * moved with when a collection fell (+22 then +57 MiB in one run whose RSS stayed at +77).
 */
export function slowConsumerGrowth(outcome: SlowConsumerOutcome): SlowConsumerGrowth {
  const { baseline, whileSending } = outcome;
  const half = outcome.sent / 2;
  const highest = (values: readonly number[]) => Math.max(0, ...values.filter(Number.isFinite));
  const liveHigh = (points: readonly MemoryPoint[]) =>
    highest(points.map((point) => point.live - baseline.live));
  return {
    peakRss: highest(whileSending.map((point) => point.rss - baseline.rss)),
    liveFirstHalf: liveHigh(whileSending.filter((point) => point.sent < half)),
    liveSecondHalf: liveHigh(whileSending.filter((point) => point.sent >= half)),
    liveAfter: outcome.after.live - baseline.live,
  };
}

export function formatGrowth(outcome: SlowConsumerOutcome, growth: SlowConsumerGrowth): string {
  const { baseline } = outcome;
  return (
    `baseline RSS ${baseline.rss} MiB (live ${baseline.live}); RSS peak +${growth.peakRss}; ` +
    `live highs +${growth.liveFirstHalf} over the first half of the sends, ` +
    `+${growth.liveSecondHalf} over the second; live after ${growth.liveAfter} MiB`
  );
}
