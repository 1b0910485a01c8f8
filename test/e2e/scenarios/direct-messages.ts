import { expect } from '@jest/globals';
import { linkDevice, registerAccount, type TestAccount } from '../../support/accounts.js';
import { expectData, expectErrorCode } from '../../support/graphql-client.js';
import {
  ClaimPreKeyBundlesDocument,
  SendMessageDocument,
} from '../../../schema/generated/operations.js';
import { ackEnvelopes, readInbox } from '../../support/messaging-client.js';
import { filesContaining } from '../../support/plaintext-scan.js';
import {
  buildSessionFromBundle,
  decryptFrom,
  encryptFor,
  type SignalEnvelopeType,
} from '../../support/signal-device.js';
import type { E2eTarget } from './target.js';

/** delivers a libsignal message to every device of the recipient and the sender, as ciphertext only. */
export async function directMessagesScenario(guardyn: E2eTarget): Promise<void> {
  async function claim(from: TestAccount, userId: string, deviceIds?: number[]) {
    const { claimPreKeyBundles } = await expectData(
      guardyn.url,
      ClaimPreKeyBundlesDocument,
      { userId, deviceIds },
      from.accessToken,
    );
    return claimPreKeyBundles;
  }

  const url = guardyn.url;
  const alice = await registerAccount(url);
  const alice2 = await linkDevice(url, alice);
  const bob = await registerAccount(url);
  const bob2 = await linkDevice(url, bob);
  const plaintext = `meet at the usual place ${Date.now()}`;

  // Alice's first device sets up sessions with Bob's two devices and her own second one.
  const bundles = [...(await claim(alice, bob.userId)), ...(await claim(alice, alice.userId, [2]))];
  expect(
    bundles.map((bundle) => `${bundle.userId === bob.userId ? 'bob' : 'alice'}.${bundle.deviceId}`),
  ).toEqual(['bob.1', 'bob.2', 'alice.2']);
  const envelopes = [];
  for (const bundle of bundles) {
    const address = await buildSessionFromBundle(alice.device, bundle);
    const encrypted = await encryptFor(alice.device, address, plaintext);
    envelopes.push({
      ...(bundle.userId === alice.userId ? { userId: alice.userId } : {}),
      deviceId: bundle.deviceId,
      registrationId: bundle.registrationId,
      type: encrypted.type,
      content: encrypted.content,
    });
  }

  // A wrong device set is refused and stores nothing.
  const missing = await expectErrorCode(
    url,
    SendMessageDocument,
    {
      input: {
        recipientId: bob.userId,
        clientMessageId: 'm1',
        envelopes: envelopes.filter((e) => e.deviceId !== 2 || e.userId),
      },
    },
    alice.accessToken,
  );
  expect(missing.code).toBe('MISMATCHED_DEVICES');
  expect(missing.error.extensions).toMatchObject({ missingDevices: [2], extraDevices: [] });
  const withoutOwn = await expectErrorCode(
    url,
    SendMessageDocument,
    {
      input: {
        recipientId: bob.userId,
        clientMessageId: 'm1',
        envelopes: envelopes.filter((e) => !e.userId),
      },
    },
    alice.accessToken,
  );
  expect(withoutOwn.error.extensions).toMatchObject({ missingDevices: [], missingOwnDevices: [2] });
  expect(await readInbox(url, bob.accessToken)).toEqual([]);

  const { sendMessage } = await expectData(
    url,
    SendMessageDocument,
    { input: { recipientId: bob.userId, clientMessageId: 'm1', envelopes } },
    alice.accessToken,
  );
  expect(sendMessage.recipients).toBe(3);

  // Each device reads its inbox, decrypts to the original text, and acks.
  for (const [reader, token] of [
    [bob.device, bob.accessToken],
    [bob2.device, bob2.accessToken],
    [alice2.device, alice2.accessToken],
  ] as const) {
    // Alice's second device may also hold delivery receipts by now.
    const inbox = (await readInbox(url, token)).filter((envelope) => envelope.type !== 'RECEIPT');
    expect(inbox).toHaveLength(1);
    const [envelope] = inbox;
    if (!envelope) throw new Error('empty inbox');
    expect(envelope).toMatchObject({
      sender: { id: alice.userId },
      senderDeviceId: 1,
      type: 'PREKEY_MESSAGE',
    });
    const decrypted = await decryptFrom(
      reader,
      alice.device,
      envelope.content,
      envelope.type as SignalEnvelopeType,
    );
    expect(new TextDecoder().decode(decrypted)).toBe(plaintext);
    expect(await ackEnvelopes(url, token, [envelope.id])).toBe(1);
    expect(await readInbox(url, token)).toEqual(
      token === alice2.accessToken ? expect.any(Array) : [],
    );
  }

  // Bob's acks come back to Alice's devices as delivery receipts.
  const receipts = (await readInbox(url, alice.accessToken)).filter(
    (envelope) => envelope.type === 'RECEIPT',
  );
  expect(receipts).toHaveLength(2);
  const receipt = JSON.parse(Buffer.from(receipts[0]?.content ?? '', 'base64').toString()) as {
    messageId: string;
  };
  expect(receipt.messageId).toBe(sendMessage.messageId);

  await ackEnvelopes(
    url,
    alice.accessToken,
    receipts.map((envelope) => envelope.id),
  );
  expect(await readInbox(url, alice.accessToken)).toEqual([]);

  // The server stored ciphertext only.
  expect(await filesContaining(guardyn.dataDir, [plaintext])).toEqual([]);
}
