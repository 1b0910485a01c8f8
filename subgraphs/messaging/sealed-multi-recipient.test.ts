import { randomBytes, randomUUID } from 'node:crypto';
import { describe, expect, it } from '@jest/globals';
import {
  PrivateKey,
  SenderCertificate,
  ServerCertificate,
  signalEncrypt,
  sealedSenderDecryptToUsmc,
} from '@signalapp/libsignal-client';
import { BadUserInputError } from '../../shared/errors/index.js';
import { sealForMany } from '../../test/support/sealed-sender-client.js';
import {
  buildSessionFromBundle,
  createTestDevice,
  protocolAddress,
  toPreKeyBundleResponse,
  type TestDevice,
} from '../../test/support/signal-device.js';
import { parseMultiRecipientPayload } from './sealed-multi-recipient.js';

/** A sender's multi-recipient payload for these devices, with sessions made without a server. */
async function payloadFrom(sender: TestDevice, recipients: readonly TestDevice[]) {
  for (const recipient of recipients)
    await buildSessionFromBundle(sender, toPreKeyBundleResponse(recipient));
  const serverKey = PrivateKey.generate();
  const certificate = SenderCertificate.new(
    sender.userId,
    null,
    sender.deviceId,
    sender.identityKeyPair.publicKey,
    Date.now() + 3600_000,
    ServerCertificate.new(1, serverKey.getPublicKey(), PrivateKey.generate()),
    serverKey,
  );
  const [first] = recipients;
  if (!first) throw new Error('no recipient');
  const inner = await signalEncrypt(
    new TextEncoder().encode('hello'),
    protocolAddress(first),
    sender.address,
    sender.stores.sessions,
    sender.stores.identity,
  );
  return sealForMany(sender, certificate, recipients, inner);
}

describe('parseMultiRecipientPayload', () => {
  it('names each recipient’s devices with registration ids and a share its devices can open', async () => {
    const sender = await createTestDevice();
    const bob = await createTestDevice();
    const bobPhone = await createTestDevice({
      userId: bob.userId,
      deviceId: 3,
      identityKeyPair: bob.identityKeyPair,
    });
    const carol = await createTestDevice();
    const shares = parseMultiRecipientPayload(await payloadFrom(sender, [bob, bobPhone, carol]));

    expect(shares.map((share) => share.userId).sort()).toEqual([bob.userId, carol.userId].sort());
    const bobShare = shares.find((share) => share.userId === bob.userId);
    expect(bobShare?.devices).toEqual([
      { deviceId: 1, registrationId: bob.registrationId },
      { deviceId: 3, registrationId: bobPhone.registrationId },
    ]);
    for (const [device, share] of [
      [bobPhone, bobShare],
      [carol, shares.find((entry) => entry.userId === carol.userId)],
    ] as const) {
      const usmc = await sealedSenderDecryptToUsmc(
        Uint8Array.from(share?.content ?? []),
        device.stores.identity,
      );
      expect(usmc.senderCertificate().senderUuid()).toBe(sender.userId);
    }
  });

  it('refuses bytes that do not parse, with BAD_USER_INPUT', () => {
    expect(() => parseMultiRecipientPayload(new Uint8Array(randomBytes(80)))).toThrow(
      BadUserInputError,
    );
    expect(() => parseMultiRecipientPayload(new Uint8Array())).toThrow(BadUserInputError);
  });

  it('refuses a recipient that is not a user id (a PNI)', async () => {
    const sender = await createTestDevice();
    const pni = await createTestDevice({ userId: `PNI:${randomUUID()}` });
    const payload = await payloadFrom(sender, [pni]);
    expect(() => parseMultiRecipientPayload(payload)).toThrow(BadUserInputError);
  });
});
