import { expect } from '@jest/globals';
import { GuardynClient, type Message } from '@guardyn/client';
import { nextMessages, registerPerson } from '../../support/sdk-people.js';
import type { E2eTarget } from './target.js';

/**
 * With the SDK: hundreds of messages read through repeated reconnects arrive in order, each
 * once. Needs GUARDYN_MESSAGING__SEND_RATE_PER_MINUTE above `count`.
 */
export async function sdkReconnectsScenario(target: E2eTarget, count = 200): Promise<void> {
  const { url } = target;
  const alice = await registerPerson(url, 'alice');
  const bobAccount = await registerPerson(url, 'bob');
  await bobAccount.close();
  // Bob's device again, counting its sockets.
  let connections = 0;
  const bob = await GuardynClient.login({
    url,
    ...bobAccount.credentials,
    store: bobAccount.store,
    onConnected: () => (connections += 1),
  });
  const texts = Array.from({ length: count }, (_, i) => `message ${i}`);

  const sending = (async () => {
    for (const text of texts) await alice.send(bob.userId, text);
  })();
  const received: Message[] = [];
  for await (const message of bob.messages()) {
    received.push(message);
    // Every 40 messages the socket drops, as on a train going through tunnels.
    if (received.length % 40 === 0) bob.reconnect();
    if (received.length === count) break;
  }
  await sending;
  expect(received.map((m) => m.text)).toEqual(texts);
  expect(new Set(received.map((m) => m.id)).size).toBe(count);
  // The socket really dropped and came back (reconnects asked while one is under way merge, so
  // how many there were depends on the machine's speed).
  expect(connections).toBeGreaterThan(1);
  // Nothing is left to show.
  await alice.send(bob.userId, 'the end');
  expect((await nextMessages(bob, 1))[0]?.text).toBe('the end');

  await Promise.all([alice.close(), bob.close()]);
}
