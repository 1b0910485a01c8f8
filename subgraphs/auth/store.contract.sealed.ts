import { randomBytes, randomUUID } from 'node:crypto';
import { expect, it } from '@jest/globals';
import { describeStoreContract } from '../../shared/testing/store-contract.js';
import { newDevice, newUser } from './store.contract.js';
import type { AuthStore } from './store.js';

/** The AuthStore contract for sealed sender's unidentified access: every adapter must pass it. */
export function describeUnidentifiedAccessContract(
  adapter: string,
  openStore: () => Promise<AuthStore>,
): void {
  describeStoreContract(`AuthStore contract (unidentified access): ${adapter}`, openStore, (t) => {
    it('sets, replaces and finds many users’ access with one call, skipping unset ones', async () => {
      const { store } = t;
      const [alice, bob, carol] = [newUser(), newUser(), newUser()];
      for (const user of [alice, bob, carol]) await store.createUser(user, newDevice());
      const key = new Uint8Array(randomBytes(16));
      await store.setUnidentifiedAccess({ userId: alice.id, accessKey: key, unrestricted: false });
      await store.setUnidentifiedAccess({ userId: bob.id, accessKey: null, unrestricted: true });

      const found = await store.findUnidentifiedAccess([alice.id, bob.id, carol.id, randomUUID()]);
      expect([...found].sort((a, b) => (a.userId < b.userId ? -1 : 1))).toEqual(
        [
          { userId: alice.id, accessKey: key, unrestricted: false },
          { userId: bob.id, accessKey: null, unrestricted: true },
        ].sort((a, b) => (a.userId < b.userId ? -1 : 1)),
      );

      // Turning key-based access off replaces the key; the record stays (restricted, no key).
      await store.setUnidentifiedAccess({ userId: alice.id, accessKey: null, unrestricted: false });
      expect(await store.findUnidentifiedAccess([alice.id])).toEqual([
        { userId: alice.id, accessKey: null, unrestricted: false },
      ]);
      expect(await store.findUnidentifiedAccess([])).toEqual([]);
    });
  });
}
