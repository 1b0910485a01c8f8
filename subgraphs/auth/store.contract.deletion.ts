import { randomBytes, randomUUID } from 'node:crypto';
import { expect, it } from '@jest/globals';
import { describeStoreContract } from '../../shared/testing/store-contract.js';
import { until } from '../../test/support/eventually.js';
import { newDevice, newUser } from './store.contract.js';
import { UsernameTakenError, type AuthStore, type UserRecord } from './store.js';

const day = 24 * 3600_000;
const hash = () => new Uint8Array(randomBytes(32));

/** A user with two devices, keys, KeyPackages, unidentified access and a session per device. */
async function populatedAccount(store: AuthStore, user: UserRecord = newUser()) {
  const now = new Date();
  await store.createUser(user, newDevice({ preKeys: 2, kyberPreKeys: 2 }));
  await store.addDevice(user.id, newDevice({ preKeys: 1 }), 6, now);
  const notAfter = new Date(now.getTime() + day);
  for (const deviceId of [1, 2]) {
    await store.storeKeyPackages(user.id, deviceId, [
      { reference: hash(), keyPackage: hash(), notAfter, lastResort: false },
      { reference: hash(), keyPackage: hash(), notAfter, lastResort: true },
    ]);
  }
  await store.setUnidentifiedAccess({
    userId: user.id,
    accessKey: new Uint8Array(randomBytes(16)),
    unrestricted: false,
  });
  const refreshHash = hash();
  const sessions = [randomUUID(), randomUUID()];
  for (const [index, id] of sessions.entries()) {
    const expiresAt = new Date(now.getTime() + day);
    const session = { id, userId: user.id, deviceId: index + 1, createdAt: now, lastUsedAt: now };
    await store.createSession({ ...session, expiresAt }, index === 0 ? refreshHash : hash());
  }
  return { user, sessions, refreshHash };
}

/** The deleteAccount part of the AuthStore contract (run by both adapters' test files). */
export function describeAuthAccountDeletionContract(
  adapter: string,
  openStore: () => Promise<AuthStore>,
): void {
  describeStoreContract(`AuthStore contract, account deletion: ${adapter}`, openStore, (t) => {
    it('deletes the account with its devices, keys, KeyPackages and sessions', async () => {
      const { user, sessions, refreshHash } = await populatedAccount(t.store);
      const other = await populatedAccount(t.store);
      const until = new Date(Date.now() + day);

      const deleted = await t.store.deleteAccount(user.id, until);
      expect(deleted && [...deleted.sessionIds].sort()).toEqual([...sessions].sort());
      expect(deleted && [...deleted.deviceIds].sort()).toEqual([1, 2]);

      expect(await t.store.findUserById(user.id)).toBeNull();
      expect(await t.store.findUsersByIds([user.id])).toEqual([]);
      expect(await t.store.findUserByUsername(user.username)).toBeNull();
      expect(await t.store.listDevices(user.id)).toEqual([]);
      expect(await t.store.listDevicesOfUsers([user.id])).toEqual([]);
      expect(await t.store.findDevice(user.id, 1)).toBeNull();
      expect(await t.store.countPreKeys(user.id, 1)).toEqual({ ecOneTime: 0, kyberOneTime: 0 });
      expect(await t.store.countKeyPackages(user.id, 1, new Date())).toBe(0);
      expect(await t.store.claimKeyPackages(user.id, new Date())).toEqual([]);
      expect(await t.store.claimBundles(user.id, null)).toEqual([]);
      expect(await t.store.listSessions(user.id, new Date())).toEqual([]);
      expect(await t.store.findUnidentifiedAccess([user.id])).toEqual([]);
      for (const id of sessions) expect(await t.store.findSession(id)).toBeNull();
      const rotated = await t.store.rotateRefreshToken(refreshHash, hash(), new Date(), until);
      expect(rotated.kind).toBe('unknown');

      // The other account is untouched.
      expect(await t.store.findUserById(other.user.id)).toEqual(other.user);
      expect(await t.store.listDevices(other.user.id)).toHaveLength(2);
      expect(await t.store.listSessions(other.user.id, new Date())).toHaveLength(2);
      expect(await t.store.findUnidentifiedAccess([other.user.id])).toHaveLength(1);
    });

    it('answers null for an account that is not there, also when asked again', async () => {
      expect(await t.store.deleteAccount(randomUUID(), new Date(Date.now() + day))).toBeNull();
      const { user } = await populatedAccount(t.store);
      expect(await t.store.deleteAccount(user.id, new Date(Date.now() + day))).not.toBeNull();
      expect(await t.store.deleteAccount(user.id, new Date(Date.now() + day))).toBeNull();
    });

    it('refuses the username to new accounts while its quarantine lasts', async () => {
      const { user } = await populatedAccount(t.store);
      await t.store.deleteAccount(user.id, new Date(Date.now() + day));
      const again = { ...newUser(user.username), createdAt: new Date() };
      await expect(t.store.createUser(again, newDevice())).rejects.toThrow(UsernameTakenError);
      expect(await t.store.findUserByUsername(user.username)).toBeNull();
      // Other names are free as ever.
      const fresh = newUser();
      await t.store.createUser(fresh, newDevice());
      expect(await t.store.findUserByUsername(fresh.username)).toEqual(fresh);
    });

    it('gives the username back once the quarantine is over', async () => {
      const { user } = await populatedAccount(t.store);
      await t.store.deleteAccount(user.id, new Date(Date.now() + 1_500));
      // CQL ends the quarantine with a TTL (whole seconds), SQLite by comparing times: retry.
      const taken = await until(
        async () => {
          const next = { ...newUser(user.username), createdAt: new Date() };
          try {
            await t.store.createUser(next, newDevice());
            return next;
          } catch (error) {
            if (error instanceof UsernameTakenError) return null;
            throw error;
          }
        },
        (next) => next !== null,
        15_000,
      );
      expect(taken && (await t.store.findUserByUsername(user.username))?.id).toBe(taken?.id);
    }, 30_000);
  });
}
