import { describe, expect, it } from '@jest/globals';
import { IdentityKeyPair, ProtocolAddress } from '@signalapp/libsignal-client';
import { generateOneTimePreKeys, generateSignedPreKeys } from './prekeys.js';
import { signalStores } from './signal-stores.js';
import { MemoryStore } from './store.js';

describe('libsignal stores over a GuardynStore', () => {
  it('keeps prekeys as libsignal records; one-time Kyber keys go once used, last-resort ones stay', async () => {
    const identity = IdentityKeyPair.generate();
    const store = new MemoryStore();
    const stores = signalStores(store, identity, 42);
    const signed = await generateSignedPreKeys(identity, stores, {
      signedPreKeyId: 1,
      kyberPreKeyId: 1,
    });
    const oneTime = await generateOneTimePreKeys(
      identity,
      stores,
      { nextPreKeyId: 1, nextKyberPreKeyId: 2 },
      { ec: 2, kyber: 2 },
    );
    expect(oneTime.counters).toEqual({ nextPreKeyId: 3, nextKyberPreKeyId: 4 });
    expect(oneTime.kyberPreKeys.map((k) => k.keyId)).toEqual([2, 3]);
    expect((await stores.signedPreKeys.getSignedPreKey(1)).id()).toBe(1);
    // Each public key is signed by the identity key, as PQXDH bundles must be.
    const lastResort = await stores.kyberPreKeys.getKyberPreKey(1);
    expect(
      identity.publicKey.verify(lastResort.publicKey().serialize(), lastResort.signature()),
    ).toBe(true);
    expect(signed.kyberLastResortPreKey.keyId).toBe(1);

    const baseKey = identity.publicKey;
    await stores.kyberPreKeys.markKyberPreKeyUsed(1, 1, baseKey);
    await stores.kyberPreKeys.markKyberPreKeyUsed(2, 1, baseKey);
    expect((await store.keys('kyberPreKeys')).sort()).toEqual(['1', '3']);
    await stores.preKeys.removePreKey(1);
    await expect(stores.preKeys.getPreKey(1)).rejects.toThrow('no preKeys record 1');
  });

  it('trusts a peer identity on first use and refuses a changed one', async () => {
    const stores = signalStores(new MemoryStore(), IdentityKeyPair.generate(), 1);
    const bob = ProtocolAddress.new('bob', 1);
    const first = IdentityKeyPair.generate().publicKey;
    const other = IdentityKeyPair.generate().publicKey;
    expect(await stores.identity.isTrustedIdentity(bob, first, 0)).toBe(true);
    await stores.identity.saveIdentity(bob, first);
    expect(await stores.identity.isTrustedIdentity(bob, first, 0)).toBe(true);
    expect(await stores.identity.isTrustedIdentity(bob, other, 0)).toBe(false);
    expect((await stores.identity.getIdentity(bob))?.equals(first)).toBe(true);
  });
});
