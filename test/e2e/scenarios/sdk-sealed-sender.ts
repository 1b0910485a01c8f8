import { randomBytes } from 'node:crypto';
import { expect } from '@jest/globals';
import { GuardynClient } from '@guardyn/client';
import {
  PreKeyCountDocument,
  SealedSenderTrustRootDocument,
  SetUnidentifiedAccessDocument,
} from '../../../schema/generated/operations.js';
import { PrivateKey } from '@signalapp/libsignal-client';
import { eventually, until } from '../../support/eventually.js';
import { expectData } from '../../support/graphql-client.js';
import { readInbox } from '../../support/messaging-client.js';
import { accessTokenOf, nextMessages, registerPerson } from '../../support/sdk-people.js';
import type { E2eTarget } from './target.js';

/**
 * With the SDK: the first message to someone goes with the sender's token and tells the peer the
 * sender's access key; once each side knows the other's, sends are sealed (stored with no
 * sender), and every device of both accounts still learns who wrote, from which device, in which
 * conversation. A key the recipient replaced makes the sender fall back to an ordinary send.
 */
export async function sdkSealedSenderScenario(target: E2eTarget): Promise<void> {
  const { url } = target;
  const alice = await registerPerson(url, 'alice');
  // Few one-time prekeys, so that opening a PreKeySignalMessage shows in the server's count.
  const aliceLaptop = await GuardynClient.linkDevice({
    url,
    ...alice.credentials,
    keys: { preKeyBatch: 2, preKeyLowWater: 3 },
  });
  const laptopPreKeys = async () =>
    (await expectData(url, PreKeyCountDocument, {}, await accessTokenOf(aliceLaptop))).preKeyCount
      .ecOneTime;
  // Bob's app pins the trust root it was built with; Alice's trusts the server's on first use.
  const { sealedSenderTrustRoot } = await expectData(url, SealedSenderTrustRootDocument, {});
  const bobCredentials = {
    username: `bob_${randomBytes(5).toString('hex')}`,
    password: `pw-${randomBytes(8).toString('hex')}`,
  };
  const bob = await GuardynClient.register({
    url,
    ...bobCredentials,
    trustRoot: sealedSenderTrustRoot,
  });
  const bobPhone = await GuardynClient.linkDevice({
    url,
    ...bobCredentials,
    trustRoot: sealedSenderTrustRoot,
  });
  const inboxOf = async (client: GuardynClient) => readInbox(url, await accessTokenOf(client));

  // The first message: Alice knows no key of Bob's, so it names her.
  await alice.send(bob.userId, 'hello bob');
  expect((await inboxOf(bob)).map((e) => [e.type, e.sender?.id])).toEqual([
    ['PREKEY_MESSAGE', alice.userId],
  ]);
  const [first] = await nextMessages(bob, 1);
  const conversationId = first?.conversationId ?? '';
  expect(first).toMatchObject({ senderId: alice.userId, senderDeviceId: 1, text: 'hello bob' });
  expect((await nextMessages(bobPhone, 1))[0]?.text).toBe('hello bob');
  expect((await nextMessages(aliceLaptop, 1))[0]).toMatchObject({ conversationId });

  // Bob's answer: he learnt Alice's key from her message, so it is sealed already. He has no
  // session with the laptop yet: it gets a PreKeySignalMessage inside the seal.
  const beforeBob = await laptopPreKeys();
  await bob.send(alice.userId, 'hi alice');
  expectSealed(await inboxOf(alice));
  expect(await laptopPreKeys()).toBe(beforeBob - 1);
  for (const device of [alice, aliceLaptop]) {
    expect((await nextMessages(device, 1))[0]).toMatchObject({
      senderId: bob.userId,
      senderDeviceId: bob.deviceId,
      conversationId,
      groupId: null,
      text: 'hi alice',
    });
  }
  // Opening it used a one-time prekey, and the laptop topped them up (below 3: a batch of 2).
  expect(await laptopPreKeys()).toBe(beforeBob - 1 + 2);
  // Bob's phone got a sealed copy too (and learnt Bob's own key from it).
  expect((await nextMessages(bobPhone, 1))[0]).toMatchObject({
    senderId: bob.userId,
    senderDeviceId: bob.deviceId,
    conversationId,
    text: 'hi alice',
  });

  // A device of Bob's pinned to another trust root (a server that signs its own certificates
  // would look like this to it) refuses every sealed message: reported, acknowledged, not shown.
  const refusals: string[] = [];
  const bobTablet = await GuardynClient.linkDevice({
    url,
    ...bobCredentials,
    trustRoot: Buffer.from(PrivateKey.generate().getPublicKey().serialize()).toString('base64'),
    onError: (_error, context) => refusals.push(context),
  });
  const shownOnTablet: string[] = [];
  const tabletReading = (async () => {
    for await (const message of bobTablet.messages()) shownOnTablet.push(message.text ?? '');
  })();

  // Now Alice's send is sealed: the server stores it with no sender, for Bob's devices and for
  // Alice's laptop; each device learns the sender from the certificate inside.
  await alice.send(bob.userId, 'sealed hello');
  await until(
    () => refusals.length,
    (count) => count > 0,
    30_000,
  );
  expect(refusals).toEqual([expect.stringMatching(/^envelope /)]);
  expect(await eventually(async () => (await inboxOf(bobTablet)).length, 0)).toBe(0);
  await bobTablet.close();
  await tabletReading;
  expect(shownOnTablet).toEqual([]);
  expectSealed(await inboxOf(bob));
  expectSealed(await inboxOf(bobPhone));
  expectSealed(await inboxOf(aliceLaptop));
  for (const device of [bob, bobPhone, aliceLaptop]) {
    expect((await nextMessages(device, 1))[0]).toMatchObject({
      senderId: alice.userId,
      senderDeviceId: alice.deviceId,
      conversationId,
      groupId: null,
      text: 'sealed hello',
    });
  }
  // Alice's laptop learnt her account's key from her copies: it sends sealed too.
  await aliceLaptop.send(bob.userId, 'from the laptop');
  expectSealed(await inboxOf(bob));
  expect((await nextMessages(bob, 1))[0]).toMatchObject({
    senderId: alice.userId,
    senderDeviceId: aliceLaptop.deviceId,
    conversationId,
    text: 'from the laptop',
  });

  // Bob replaces his key: Alice's sealed send is refused, she forgets the key and sends with
  // her token instead; the message still arrives.
  await expectData(
    url,
    SetUnidentifiedAccessDocument,
    { accessKey: randomBytes(16).toString('base64'), unrestricted: false },
    await accessTokenOf(bob),
  );
  await alice.send(bob.userId, 'after the new key');
  expect((await inboxOf(bob)).map((e) => [e.type, e.sender?.id])).toEqual([
    ['SIGNAL_MESSAGE', alice.userId],
  ]);
  expect((await nextMessages(bob, 1))[0]).toMatchObject({
    senderId: alice.userId,
    conversationId,
    text: 'after the new key',
  });
  const contact = JSON.parse((await alice.store.get('contacts', bob.userId)) ?? '{}') as object;
  expect(contact).toEqual({ conversationId });

  await Promise.all([alice, aliceLaptop, bob, bobPhone].map((client) => client.close()));
}

/** One pending envelope, sealed: the server knows neither sender nor conversation. */
function expectSealed(inbox: Awaited<ReturnType<typeof readInbox>>): void {
  expect(inbox.map((e) => [e.type, e.sender, e.senderDeviceId, e.conversation])).toEqual([
    ['SEALED_SENDER', null, null, null],
  ]);
}
