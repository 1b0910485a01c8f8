import { randomBytes, randomUUID } from 'node:crypto';
import { expect, it } from '@jest/globals';
import { describeStoreContract } from '../../shared/testing/store-contract.js';
import {
  DeviceLimitError,
  UsernameTakenError,
  type AuthStore,
  type NewDevice,
  type NewKeyPackage,
  type UserRecord,
} from './store.js';

const bytes = (length: number) => new Uint8Array(randomBytes(length));

/** A device with random keys and as many one-time keys of each kind as asked. */
export function newDevice(keys: { preKeys?: number; kyberPreKeys?: number } = {}): NewDevice {
  return {
    registrationId: 1 + Math.floor(Math.random() * 0x3ffe),
    name: null,
    identityKey: bytes(33),
    signedPreKey: { keyId: 1, publicKey: bytes(33), signature: bytes(64) },
    kyberLastResortPreKey: { keyId: 1, publicKey: bytes(1569), signature: bytes(64) },
    preKeys: Array.from({ length: keys.preKeys ?? 0 }, (_, i) => ({
      keyId: i + 1,
      publicKey: bytes(33),
    })),
    kyberPreKeys: Array.from({ length: keys.kyberPreKeys ?? 0 }, (_, i) => ({
      keyId: i + 2,
      publicKey: bytes(1569),
      signature: bytes(64),
    })),
  };
}

function keyPackage(notAfter: Date, lastResort = false): NewKeyPackage {
  return { reference: bytes(32), keyPackage: bytes(200), notAfter, lastResort };
}

/** A user with a random (or the given) username and a creation time in whole seconds. */
export function newUser(username = `u${randomBytes(6).toString('hex')}`): UserRecord {
  return {
    id: randomUUID(),
    username,
    passwordHash: '$argon2id$fake',
    createdAt: new Date(Math.floor(Date.now() / 1000) * 1000),
  };
}

/**
 * The AuthStore contract: every adapter must pass it. The claims are raced to prove each key is
 * handed out once.
 */
export function describeAuthStoreContract(
  adapter: string,
  openStore: () => Promise<AuthStore>,
): void {
  describeStoreContract(`AuthStore contract: ${adapter}`, openStore, (t) => {
    it('creates users with device 1 and finds them by id and username', async () => {
      const user = newUser();
      const device = await t.store.createUser(user, newDevice());
      expect(device.deviceId).toBe(1);
      expect(await t.store.findUserById(user.id)).toEqual(user);
      expect(await t.store.findUserByUsername(user.username)).toEqual(user);
      expect(await t.store.findUserByUsername('nobody_here')).toBeNull();
    });

    it('finds many users and devices with one call each, skipping unknown ones', async () => {
      const users = [newUser(), newUser(), newUser()];
      for (const user of users) await t.store.createUser(user, newDevice());
      const [first, second] = users as [UserRecord, UserRecord, UserRecord];
      await t.store.addDevice(first.id, newDevice(), 6, new Date());
      const byId = (records: readonly { id: string }[]) =>
        [...records].sort((a, b) => (a.id < b.id ? -1 : 1));

      const asked = [...users.map((user) => user.id), randomUUID(), first.id];
      expect(byId(await t.store.findUsersByIds(asked))).toEqual(byId(users));
      expect(await t.store.findUsersByIds([])).toEqual([]);

      const devices = await t.store.listDevicesOfUsers([second.id, first.id, randomUUID()]);
      const ordered = [first, second].sort((a, b) => (a.id < b.id ? -1 : 1));
      expect(devices.map((device) => [device.userId, device.deviceId])).toEqual(
        ordered.flatMap((user) =>
          user.id === first.id
            ? [
                [user.id, 1],
                [user.id, 2],
              ]
            : [[user.id, 1]],
        ),
      );
      expect(devices).toEqual([
        ...(await t.store.listDevices(ordered[0]?.id ?? '')),
        ...(await t.store.listDevices(ordered[1]?.id ?? '')),
      ]);

      const found = await t.store.findDevices([
        { userId: first.id, deviceId: 2 },
        { userId: second.id, deviceId: 1 },
        { userId: second.id, deviceId: 2 },
        { userId: randomUUID(), deviceId: 1 },
        { userId: first.id, deviceId: 2 },
      ]);
      const key = (device: { userId: string; deviceId: number }) =>
        `${device.userId}:${device.deviceId}`;
      expect(found.map(key).sort()).toEqual(
        [key({ userId: first.id, deviceId: 2 }), key({ userId: second.id, deviceId: 1 })].sort(),
      );
      expect(found.find((device) => device.userId === second.id)).toEqual(
        await t.store.findDevice(second.id, 1),
      );
      expect(await t.store.findDevices([])).toEqual([]);
    });

    it('gives a username to exactly one of concurrent creators', async () => {
      const username = `race${randomBytes(4).toString('hex')}`;
      const results = await Promise.allSettled(
        Array.from({ length: 10 }, () => t.store.createUser(newUser(username), newDevice())),
      );
      expect(results.filter((result) => result.status === 'fulfilled')).toHaveLength(1);
      for (const result of results) {
        if (result.status === 'rejected') expect(result.reason).toBeInstanceOf(UsernameTakenError);
      }
    });

    it('adds devices with the lowest free id, up to the limit, and removes them with their sessions', async () => {
      const user = newUser();
      await t.store.createUser(user, newDevice());
      const now = new Date();
      expect((await t.store.addDevice(user.id, newDevice(), 3, now)).deviceId).toBe(2);
      expect((await t.store.addDevice(user.id, newDevice(), 3, now)).deviceId).toBe(3);
      await expect(t.store.addDevice(user.id, newDevice(), 3, now)).rejects.toBeInstanceOf(
        DeviceLimitError,
      );

      const session = {
        id: randomUUID(),
        userId: user.id,
        deviceId: 2,
        createdAt: now,
        lastUsedAt: now,
        expiresAt: new Date(now.getTime() + 60_000),
      };
      await t.store.createSession(session, bytes(32));
      expect(await t.store.removeDevice(user.id, 2)).toEqual([session.id]);
      expect(await t.store.findSession(session.id)).toBeNull();
      expect((await t.store.addDevice(user.id, newDevice(), 3, now)).deviceId).toBe(2);
      expect((await t.store.listDevices(user.id)).map((device) => device.deviceId)).toEqual([
        1, 2, 3,
      ]);
    });

    it('hands each one-time prekey to exactly one of many concurrent claims', async () => {
      const user = newUser();
      await t.store.createUser(user, newDevice({ preKeys: 5, kyberPreKeys: 3 }));
      const bundles = (
        await Promise.all(Array.from({ length: 20 }, () => t.store.claimBundles(user.id, null)))
      ).flat();
      const ecIds = bundles.flatMap((bundle) => (bundle.preKey ? [bundle.preKey.keyId] : []));
      const kyberIds = bundles.map((bundle) => bundle.kyberPreKey.keyId);
      expect(ecIds.sort()).toEqual([1, 2, 3, 4, 5]);
      expect(kyberIds.filter((id) => id !== 1).sort()).toEqual([2, 3, 4]);
      expect(kyberIds.filter((id) => id === 1)).toHaveLength(17);
      expect(await t.store.countPreKeys(user.id, 1)).toEqual({ ecOneTime: 0, kyberOneTime: 0 });
    });

    it('stores uploaded keys, replaces signed ones, and reports existing one-time key ids', async () => {
      const user = newUser();
      await t.store.createUser(user, newDevice({ preKeys: 2 }));
      await t.store.storeDeviceKeys(user.id, 1, {
        signedPreKey: { keyId: 7, publicKey: bytes(33), signature: bytes(64) },
        preKeys: [{ keyId: 10, publicKey: bytes(33) }],
        kyberPreKeys: [],
      });
      expect(await t.store.existingOneTimeKeyIds(user.id, 1, 'ec', [1, 3, 10])).toEqual([1, 10]);
      expect(await t.store.existingOneTimeKeyIds(user.id, 1, 'kyber', [1])).toEqual([]);
      const [bundle] = await t.store.claimBundles(user.id, [1]);
      expect(bundle?.signedPreKey.keyId).toBe(7);
    });

    it('deduplicates KeyPackages and hands each to one claimant, skipping expired ones', async () => {
      const user = newUser();
      await t.store.createUser(user, newDevice());
      const now = new Date();
      const later = new Date(now.getTime() + 3600_000);
      const packages = [1, 2, 3].map(() => keyPackage(later));
      const expired = keyPackage(new Date(now.getTime() - 1000));
      expect(await t.store.storeKeyPackages(user.id, 1, [...packages, expired])).toBe(4);
      expect(await t.store.storeKeyPackages(user.id, 1, [packages[0]!])).toBe(0);
      expect(await t.store.countKeyPackages(user.id, 1, now)).toBe(3);
      const claims = (
        await Promise.all(Array.from({ length: 6 }, () => t.store.claimKeyPackages(user.id, now)))
      ).flat();
      expect(claims).toHaveLength(3);
      expect(
        new Set(claims.map((claim) => Buffer.from(claim.keyPackage).toString('hex'))).size,
      ).toBe(3);
    });

    it('hands out the last-resort KeyPackage only when no other is left, and never consumes it', async () => {
      const user = newUser();
      await t.store.createUser(user, newDevice());
      const now = new Date();
      const later = new Date(now.getTime() + 3600_000);
      const ordinary = [keyPackage(later), keyPackage(later)];
      const lastResort = keyPackage(later, true);
      expect(await t.store.storeKeyPackages(user.id, 1, [lastResort, ...ordinary])).toBe(3);
      expect(await t.store.storeKeyPackages(user.id, 1, [lastResort])).toBe(0);
      expect(await t.store.countKeyPackages(user.id, 1, now)).toBe(2);

      // Races: each ordinary KeyPackage goes to one claimant; everyone else gets the last resort.
      const claims = (
        await Promise.all(Array.from({ length: 8 }, () => t.store.claimKeyPackages(user.id, now)))
      ).flat();
      const hex = (value: Uint8Array) => Buffer.from(value).toString('hex');
      const handedOut = claims.map((claim) => hex(claim.keyPackage));
      expect(handedOut).toHaveLength(8);
      expect(handedOut.filter((value) => value !== hex(lastResort.keyPackage)).sort()).toEqual(
        ordinary.map((entry) => hex(entry.keyPackage)).sort(),
      );
      expect(handedOut.filter((value) => value === hex(lastResort.keyPackage))).toHaveLength(6);
      expect(await t.store.countKeyPackages(user.id, 1, now)).toBe(0);

      // A newer last-resort KeyPackage replaces the older one; an expired one is not handed out.
      const newer = keyPackage(later, true);
      expect(await t.store.storeKeyPackages(user.id, 1, [newer])).toBe(1);
      expect((await t.store.claimKeyPackages(user.id, now)).map((c) => hex(c.keyPackage))).toEqual([
        hex(newer.keyPackage),
      ]);
      const afterExpiry = new Date(later.getTime() + 1000);
      expect(await t.store.claimKeyPackages(user.id, afterExpiry)).toEqual([]);
    });

    it('removes a device with its last-resort KeyPackage', async () => {
      const user = newUser();
      await t.store.createUser(user, newDevice());
      const now = new Date();
      const { deviceId } = await t.store.addDevice(user.id, newDevice(), 3, now);
      const later = new Date(now.getTime() + 3600_000);
      await t.store.storeKeyPackages(user.id, deviceId, [keyPackage(later, true)]);
      await t.store.removeDevice(user.id, deviceId);
      const { deviceId: reused } = await t.store.addDevice(user.id, newDevice(), 3, now);
      expect(reused).toBe(deviceId);
      expect(await t.store.claimKeyPackages(user.id, now)).toEqual([]);
    });

    it('rotates refresh tokens once and detects reuse, revoking the session', async () => {
      const user = newUser();
      await t.store.createUser(user, newDevice());
      const now = new Date();
      const expiresAt = new Date(now.getTime() + 60_000);
      const session = {
        id: randomUUID(),
        userId: user.id,
        deviceId: 1,
        createdAt: now,
        lastUsedAt: now,
        expiresAt,
      };
      const first = bytes(32);
      await t.store.createSession(session, first);
      const second = bytes(32);
      const outcomes = await Promise.all([
        t.store.rotateRefreshToken(first, second, now, expiresAt),
        t.store.rotateRefreshToken(first, bytes(32), now, expiresAt),
      ]);
      expect(outcomes.map((outcome) => outcome.kind).sort()).toEqual(['reused', 'rotated']);
      expect(await t.store.findSession(session.id)).toBeNull();
      expect((await t.store.rotateRefreshToken(second, bytes(32), now, expiresAt)).kind).toBe(
        'unknown',
      );
    });

    it('lists live sessions and deletes only the owner’s', async () => {
      const user = newUser();
      const other = newUser();
      await t.store.createUser(user, newDevice());
      await t.store.createUser(other, newDevice());
      const now = new Date();
      const live = {
        id: randomUUID(),
        userId: user.id,
        deviceId: 1,
        createdAt: now,
        lastUsedAt: now,
        expiresAt: new Date(now.getTime() + 60_000),
      };
      const expired = { ...live, id: randomUUID(), expiresAt: new Date(now.getTime() - 1) };
      await t.store.createSession(live, bytes(32));
      await t.store.createSession(expired, bytes(32));
      expect((await t.store.listSessions(user.id, now)).map((session) => session.id)).toEqual([
        live.id,
      ]);
      expect(await t.store.deleteSession(other.id, live.id)).toBe(false);
      expect(await t.store.deleteSession(user.id, live.id)).toBe(true);
    });
  });
}
