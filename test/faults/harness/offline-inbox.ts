import { ackEnvelopes, readInbox } from '../../support/messaging-client.js';
import type { Ledger } from './ledger.js';
import type { LoadWorld } from './world.js';

/**
 * Reads and acknowledges the mailbox of every offline device (no socket: it learns of messages
 * from wake-ups and fetches them, as an app woken by a push would). Returns false when the
 * gateway did not answer; the caller tries again.
 */
let inboxReads = 0;

export async function drainOfflineInboxes(
  url: string,
  world: LoadWorld,
  ledger: Ledger,
): Promise<boolean> {
  try {
    for (const user of world.users) {
      const device = user.offline;
      if (!device) continue;
      // Each read of the inbox is a stream of its own, begun when the read was asked.
      const stream = { id: `inbox ${++inboxReads}`, startedAt: Date.now() };
      const envelopes = await readInbox(url, device.accessToken);
      for (const envelope of envelopes) ledger.arrived(device.key, envelope.content, stream);
      if (envelopes.length === 0) continue;
      await ackEnvelopes(
        url,
        device.accessToken,
        envelopes.map((envelope) => envelope.id),
      );
      for (const envelope of envelopes) ledger.acknowledged(device.key, envelope.content);
    }
    return true;
  } catch {
    return false;
  }
}

/** Whether the device's mailbox holds an envelope carrying `content` now (undefined: no answer). */
export async function inMailbox(
  url: string,
  token: string,
  content: string,
): Promise<boolean | undefined> {
  try {
    return (await readInbox(url, token)).some((envelope) => envelope.content === content);
  } catch {
    return undefined;
  }
}
