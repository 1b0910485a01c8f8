import { randomBytes } from 'node:crypto';
import { expect } from '@jest/globals';
import type { AttachmentPointer, PresenceEvent, TypingEvent } from '@guardyn/client';
import { until } from '../../support/eventually.js';
import { nextMessages, registerPerson } from '../../support/sdk-people.js';
import type { E2eTarget } from './target.js';

/** With the SDK: an encrypted attachment sent by reference, typing and presence. */
export async function sdkAttachmentsAndRealtimeScenario(target: E2eTarget): Promise<void> {
  const { url } = target;
  const alice = await registerPerson(url, 'alice');
  const bob = await registerPerson(url, 'bob');

  const photo = randomBytes(200_000);
  const file = await alice.uploadAttachment(photo, { contentType: 'image/jpeg' });
  expect(file.size).toBe(photo.length);
  await alice.send(bob.userId, JSON.stringify(file));
  const [message] = await nextMessages(bob, 1);
  const pointer = JSON.parse(message?.text ?? '{}') as AttachmentPointer;
  expect(Buffer.from(await bob.downloadAttachment(pointer)).equals(photo)).toBe(true);
  // A pointer whose digest does not match what the server serves is refused.
  await expect(bob.downloadAttachment({ ...pointer, digest: '0'.repeat(64) })).rejects.toThrow(
    'digest',
  );
  const conversationId = message?.conversationId ?? '';

  // Typing: subscribing is asynchronous, so Alice types until Bob hears it.
  const typing: TypingEvent[] = [];
  const stopTyping = bob.onTyping(conversationId, (event) => typing.push(event));
  for (let tries = 0; tries < 50 && typing.length === 0; tries += 1) {
    await alice.typing(conversationId, true);
    await until(
      () => typing.length,
      (count) => count > 0,
      200,
    );
  }
  expect(typing[0]).toEqual({ conversationId, userId: alice.userId, typing: true });
  stopTyping();

  // Presence: Alice's socket coming up makes her ONLINE (she has spoken to Bob).
  const presence: PresenceEvent[] = [];
  const stopPresence = bob.onPresence([alice.userId], (event) => presence.push(event));
  const stopAlices = alice.onTyping(conversationId, () => undefined);
  const online = () => presence.some((event) => event.status === 'ONLINE');
  for (let tries = 0; tries < 10 && !online(); tries += 1) {
    await until(online, Boolean, 2_000);
    if (!online()) alice.reconnect();
  }
  expect(presence.find((event) => event.status === 'ONLINE')).toEqual({
    userId: alice.userId,
    status: 'ONLINE',
  });
  stopPresence();
  stopAlices();

  await Promise.all([alice.close(), bob.close()]);
}
