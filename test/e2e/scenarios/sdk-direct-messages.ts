import { expect } from '@jest/globals';
import { GuardynClient, MemoryStore } from '@guardyn/client';
import { readInbox } from '../../support/messaging-client.js';
import { accessTokenOf, nextMessages, registerPerson } from '../../support/sdk-people.js';
import type { E2eTarget } from './target.js';

/**
 * With the SDK: a one-to-one message reaches every device of the recipient and the sender's
 * other device, a device linked after the first send is picked up through MISMATCHED_DEVICES,
 * and a device signed in again from its store carries on its sessions.
 */
export async function sdkDirectMessagesScenario(target: E2eTarget): Promise<void> {
  const { url } = target;
  const alice = await registerPerson(url, 'alice');
  const bob = await registerPerson(url, 'bob');
  const aliceLaptop = await GuardynClient.linkDevice({ url, ...alice.credentials });
  expect([alice.deviceId, aliceLaptop.deviceId]).toEqual([1, 2]);

  await alice.send(bob.userId, 'hello bob');
  // The server holds ciphertext only.
  const stored = await readInbox(url, await accessTokenOf(bob));
  expect(stored.map((e) => e.type)).toEqual(['PREKEY_MESSAGE']);
  expect(Buffer.from(stored[0]?.content ?? '', 'base64').toString('latin1')).not.toContain('hello');

  // Bob links a phone: Alice's next send is first refused (MISMATCHED_DEVICES) and retried.
  const bobStore = new MemoryStore();
  const bobPhone = await GuardynClient.linkDevice({ url, ...bob.credentials, store: bobStore });
  await alice.send(bob.userId, new Uint8Array([0xff, 0x00, 0x01]));

  const [first, second] = await nextMessages(bob, 2);
  expect(first).toMatchObject({
    senderId: alice.userId,
    senderDeviceId: 1,
    groupId: null,
    text: 'hello bob',
  });
  expect(second?.text).toBeNull();
  expect([...(second?.body ?? [])]).toEqual([0xff, 0x00, 0x01]);
  expect(first?.sentAt).toBeInstanceOf(Date);
  const [phoneCopy] = await nextMessages(bobPhone, 1);
  expect([...(phoneCopy?.body ?? [])]).toEqual([0xff, 0x00, 0x01]);
  // Alice's laptop gets a copy of both of what she sent.
  expect((await nextMessages(aliceLaptop, 2)).map((m) => m.conversationId)).toEqual([
    first?.conversationId,
    first?.conversationId,
  ]);

  // Both sides compute the same safety number, to compare out of band.
  const safety = await alice.safetyNumber(bob.userId, 1);
  expect(safety).toMatch(/^\d{60}$/);
  expect(await bob.safetyNumber(alice.userId, 1)).toBe(safety);

  // Bob answers from his phone, then the phone restarts from its store and answers again.
  await bobPhone.send(alice.userId, 'hi from the phone');
  await bobPhone.close();
  const bobPhoneAgain = await GuardynClient.login({ url, ...bob.credentials, store: bobStore });
  expect(bobPhoneAgain.deviceId).toBe(bobPhone.deviceId);
  await bobPhoneAgain.send(alice.userId, 'and again');
  expect((await nextMessages(alice, 2)).map((m) => m.text)).toEqual([
    'hi from the phone',
    'and again',
  ]);
  // Bob's first device gets copies of what his phone sent; then its mailbox is empty: each
  // message is shown once, and acknowledged ones do not come back.
  expect((await nextMessages(bob, 2)).map((m) => [m.senderDeviceId, m.text])).toEqual([
    [bobPhone.deviceId, 'hi from the phone'],
    [bobPhone.deviceId, 'and again'],
  ]);
  expect(await readInbox(url, await accessTokenOf(bob))).toEqual([]);

  await Promise.all([alice, aliceLaptop, bob, bobPhoneAgain].map((client) => client.close()));
}
