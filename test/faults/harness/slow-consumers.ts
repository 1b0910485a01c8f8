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
import { collect, connectSubscriptions } from '../../support/subscriptions-client.js';
import type { FaultDeployment } from './deployment.js';
import { residentMemory } from './memory.js';
import { seenPresent } from './presence.js';
import { startThrottlingProxy } from './throttling-proxy.js';

export interface SlowConsumerOutcome {
  readonly sent: number;
  /** MiB of content the sender stored for the two devices together (base64, as sent). */
  readonly sentMiB: number;
  /** The gateway's resident memory before, at its highest while sending, and after (MiB). */
  readonly gateway: { readonly baseline: number; readonly peak: number; readonly after: number };
  /** Whether the user was still seen present when the wait ended. */
  readonly stillPresent: boolean;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

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
  const gatewayMemory = async () => (await residentMemory(ports))['gateway'] ?? Number.NaN;
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
    slowProxy.setMode('slow');
    frozenProxy.setMode('frozen');
    const baseline = await gatewayMemory();
    let peak = baseline;
    const sampling = setInterval(() => {
      void gatewayMemory().then((mib) => (peak = Math.max(peak, mib)));
    }, 1_000);
    let sent = 0;
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
    return {
      sent,
      sentMiB: Math.round((sent * 2 * Math.ceil(contentBytes / 3) * 4) / 2 ** 20),
      gateway: { baseline, peak, after: await gatewayMemory() },
      stillPresent: present,
    };
  } finally {
    await Promise.all([slowSocket.dispose(), goneSocket.dispose()]);
    await Promise.all([slowProxy.close(), frozenProxy.close()]);
    await senderGateway.kill();
  }
}
