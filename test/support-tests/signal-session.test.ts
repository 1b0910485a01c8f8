import { describe, expect, it } from '@jest/globals';
import { PreKeySignalMessage } from '@signalapp/libsignal-client';
import {
  buildSessionFromBundle,
  createTestDevice,
  decryptFrom,
  encryptFor,
  fromBase64,
  toDeviceKeysInput,
  toPreKeyBundleResponse,
} from '../support/signal-device.js';
import { storedIds } from '../support/signal-stores.js';

const text = (bytes: Uint8Array): string => new TextDecoder().decode(bytes);

describe('a PQXDH session from a generated bundle', () => {
  it('decrypts the first message and the reply, consuming the one-time prekeys', async () => {
    const alice = await createTestDevice({ deviceId: 1 });
    const bob = await createTestDevice({ deviceId: 2, preKeys: 3, kyberPreKeys: 2 });
    const bundle = toPreKeyBundleResponse(bob);
    expect(bundle.preKey?.keyId).toBe(1);
    expect(bundle.kyberPreKey.keyId).toBe(2);

    const bobAddress = await buildSessionFromBundle(alice, bundle);
    const first = await encryptFor(alice, bobAddress, 'hello bob');
    expect(first.type).toBe('PREKEY_MESSAGE');
    // Version 4 is PQXDH: the Kyber prekey took part in the key agreement.
    expect(PreKeySignalMessage.deserialize(fromBase64(first.content)).version()).toBe(4);
    expect(text(await decryptFrom(bob, alice, first.content, first.type))).toBe('hello bob');
    expect(await storedIds(bob.stores, 'preKeys')).toEqual([2, 3]);
    expect(await storedIds(bob.stores, 'kyberPreKeys')).toEqual([1, 3]);

    const reply = await encryptFor(bob, alice, 'hello alice');
    expect(reply.type).toBe('SIGNAL_MESSAGE');
    expect(text(await decryptFrom(alice, bobAddress, reply.content, reply.type))).toBe(
      'hello alice',
    );
  });

  it('works without one-time prekeys, on the Kyber last-resort key', async () => {
    const alice = await createTestDevice();
    const bob = await createTestDevice({ preKeys: 0, kyberPreKeys: 0 });
    const bundle = toPreKeyBundleResponse(bob);
    expect(bundle.preKey).toBeNull();
    expect(bundle.kyberPreKey).toEqual(toDeviceKeysInput(bob).kyberLastResortPreKey);

    const bobAddress = await buildSessionFromBundle(alice, bundle);
    const message = await encryptFor(alice, bobAddress, new Uint8Array([1, 2, 3]));
    expect(await decryptFrom(bob, alice, message.content, message.type)).toEqual(
      new Uint8Array([1, 2, 3]),
    );
    expect(await storedIds(bob.stores, 'kyberPreKeys')).toEqual([1]);
  });

  it('refuses a bundle whose Kyber prekey signature is not the identity key', async () => {
    const alice = await createTestDevice();
    const bob = await createTestDevice();
    const mallory = await createTestDevice();
    const bundle = {
      ...toPreKeyBundleResponse(bob),
      kyberPreKey: toPreKeyBundleResponse(mallory).kyberPreKey,
    };
    await expect(buildSessionFromBundle(alice, bundle)).rejects.toThrow();
  });
});
