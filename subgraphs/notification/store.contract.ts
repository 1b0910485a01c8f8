import { randomBytes, randomUUID } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import type { NotificationStore, PushPlatform } from './store.js';

const second = 1000;
const at = (seconds: number) => new Date(Date.UTC(2026, 10, 26, 12, 0, seconds));

function registration(
  overrides: { userId?: string; deviceId?: number; platform?: PushPlatform } = {},
) {
  return {
    userId: randomUUID(),
    deviceId: 1,
    platform: 'APNS' as PushPlatform,
    token: randomBytes(32).toString('hex'),
    ...overrides,
  };
}

/** The NotificationStore contract: every adapter must pass it, races included. */
export function describeNotificationStoreContract(
  adapter: string,
  openStore: () => Promise<NotificationStore>,
): void {
  describe(`NotificationStore contract: ${adapter}`, () => {
    let store: NotificationStore;
    beforeEach(async () => {
      store = await openStore();
    });
    afterEach(() => store.close());

    it('registers a token per device and finds it', async () => {
      const entry = registration();
      const stored = await store.register(entry, at(0));
      expect(stored).toEqual({ ...entry, createdAt: at(0), lastPushAt: null });
      expect(await store.findRegistration(entry.userId, 1)).toEqual(stored);
      expect(await store.findRegistration(entry.userId, 2)).toBeNull();
    });

    it('finds the registrations of many devices of a user with one call', async () => {
      const userId = randomUUID();
      const first = await store.register(registration({ userId, deviceId: 1 }), at(0));
      const third = await store.register(registration({ userId, deviceId: 3 }), at(1));
      await store.register(registration({ deviceId: 2 }), at(2));
      const found = await store.findRegistrations(userId, [3, 2, 1, 3]);
      expect([...found].sort((a, b) => a.deviceId - b.deviceId)).toEqual([first, third]);
      expect(await store.findRegistrations(userId, [])).toEqual([]);
      expect(await store.findRegistrations(randomUUID(), [1])).toEqual([]);
    });

    it('keeps createdAt and the last push for the same token; a new token starts afresh', async () => {
      const entry = registration();
      await store.register(entry, at(0));
      await store.claimPush(entry.userId, 1, at(5), 30 * second);

      expect(await store.register(entry, at(10))).toEqual({
        ...entry,
        createdAt: at(0),
        lastPushAt: at(5),
      });
      const replaced = { ...entry, platform: 'FCM' as const, token: 'fcm-token-1' };
      expect(await store.register(replaced, at(20))).toEqual({
        ...replaced,
        createdAt: at(20),
        lastPushAt: null,
      });
    });

    it('moves a token that another device held (one app install, one device)', async () => {
      const first = registration();
      await store.register(first, at(0));
      const other = { ...first, userId: randomUUID(), deviceId: 3 };
      await store.register(other, at(1));
      expect(await store.findRegistration(first.userId, 1)).toBeNull();
      expect(await store.findRegistration(other.userId, 3)).toMatchObject({ token: first.token });
      // The same string on the other platform is another token.
      const fcm = { ...first, platform: 'FCM' as const };
      await store.register(fcm, at(2));
      expect(await store.findRegistration(other.userId, 3)).toMatchObject({ token: first.token });
    });

    it('removes a registration, and removes a token only while it is still the current one', async () => {
      const entry = registration();
      await store.register(entry, at(0));
      expect(await store.removeToken(entry.userId, 1, 'an-older-token')).toBe(false);
      expect(await store.findRegistration(entry.userId, 1)).not.toBeNull();
      expect(await store.removeToken(entry.userId, 1, entry.token)).toBe(true);
      expect(await store.findRegistration(entry.userId, 1)).toBeNull();

      await store.register(entry, at(1));
      expect(await store.removeRegistration(entry.userId, 1)).toBe(true);
      expect(await store.removeRegistration(entry.userId, 1)).toBe(false);
    });

    it('claims at most one push per window, and none without a token', async () => {
      const entry = registration();
      expect(await store.claimPush(entry.userId, 1, at(0), 30 * second)).toBeNull();
      await store.register(entry, at(0));

      expect(await store.claimPush(entry.userId, 1, at(1), 30 * second)).toMatchObject({
        token: entry.token,
        lastPushAt: at(1),
      });
      expect(await store.claimPush(entry.userId, 1, at(30), 30 * second)).toBeNull();
      expect(await store.claimPush(entry.userId, 1, at(31), 30 * second)).not.toBeNull();
    });

    it('hands a window to exactly one of many concurrent claims', async () => {
      const entry = registration();
      await store.register(entry, at(0));
      const claims = await Promise.all(
        Array.from({ length: 10 }, () => store.claimPush(entry.userId, 1, at(1), 30 * second)),
      );
      expect(claims.filter((claim) => claim !== null)).toHaveLength(1);
    });

    it('answers ping', async () => {
      await expect(store.ping()).resolves.toBeUndefined();
    });
  });
}
