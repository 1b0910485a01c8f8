import { randomBytes, randomUUID } from 'node:crypto';
import { expect, it } from '@jest/globals';
import { describeStoreContract } from '../../shared/testing/store-contract.js';
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
  describeStoreContract(`NotificationStore contract: ${adapter}`, openStore, (t) => {
    it('registers a token per device and finds it', async () => {
      const entry = registration();
      const stored = await t.store.register(entry, at(0));
      expect(stored).toEqual({ ...entry, createdAt: at(0), lastPushAt: null });
      expect(await t.store.findRegistration(entry.userId, 1)).toEqual(stored);
      expect(await t.store.findRegistration(entry.userId, 2)).toBeNull();
    });

    it('finds the registrations of many devices of a user with one call', async () => {
      const userId = randomUUID();
      const first = await t.store.register(registration({ userId, deviceId: 1 }), at(0));
      const third = await t.store.register(registration({ userId, deviceId: 3 }), at(1));
      await t.store.register(registration({ deviceId: 2 }), at(2));
      const found = await t.store.findRegistrations(userId, [3, 2, 1, 3]);
      expect([...found].sort((a, b) => a.deviceId - b.deviceId)).toEqual([first, third]);
      expect(await t.store.findRegistrations(userId, [])).toEqual([]);
      expect(await t.store.findRegistrations(randomUUID(), [1])).toEqual([]);
    });

    it('keeps createdAt and the last push for the same token; a new token starts afresh', async () => {
      const entry = registration();
      await t.store.register(entry, at(0));
      await t.store.claimPush(entry.userId, 1, at(5), 30 * second, randomUUID());

      expect(await t.store.register(entry, at(10))).toEqual({
        ...entry,
        createdAt: at(0),
        lastPushAt: at(5),
      });
      const replaced = { ...entry, platform: 'FCM' as const, token: 'fcm-token-1' };
      expect(await t.store.register(replaced, at(20))).toEqual({
        ...replaced,
        createdAt: at(20),
        lastPushAt: null,
      });
    });

    it('moves a token that another device held (one app install, one device)', async () => {
      const first = registration();
      await t.store.register(first, at(0));
      const other = { ...first, userId: randomUUID(), deviceId: 3 };
      await t.store.register(other, at(1));
      expect(await t.store.findRegistration(first.userId, 1)).toBeNull();
      expect(await t.store.findRegistration(other.userId, 3)).toMatchObject({ token: first.token });
      // The same string on the other platform is another token.
      const fcm = { ...first, platform: 'FCM' as const };
      await t.store.register(fcm, at(2));
      expect(await t.store.findRegistration(other.userId, 3)).toMatchObject({ token: first.token });
    });

    it('removes a registration, and removes a token only while it is still the current one', async () => {
      const entry = registration();
      await t.store.register(entry, at(0));
      expect(await t.store.removeToken(entry.userId, 1, 'an-older-token')).toBe(false);
      expect(await t.store.findRegistration(entry.userId, 1)).not.toBeNull();
      expect(await t.store.removeToken(entry.userId, 1, entry.token)).toBe(true);
      expect(await t.store.findRegistration(entry.userId, 1)).toBeNull();

      await t.store.register(entry, at(1));
      expect(await t.store.removeRegistration(entry.userId, 1)).toBe(true);
      expect(await t.store.removeRegistration(entry.userId, 1)).toBe(false);
    });

    it('removes every token of a deleted account, and no one else’s', async () => {
      const first = registration({ deviceId: 1 });
      const linked = registration({ userId: first.userId, deviceId: 2, platform: 'FCM' });
      const other = registration();
      for (const entry of [first, linked, other]) await t.store.register(entry, at(0));
      expect(await t.store.removeUserRegistrations(first.userId, [1, 2, 3])).toBe(2);
      expect(await t.store.removeUserRegistrations(first.userId, [1, 2, 3])).toBe(0);
      expect(await t.store.findRegistrations(first.userId, [1, 2])).toEqual([]);
      expect(await t.store.claimPush(first.userId, 1, at(5), second, randomUUID())).toBeNull();
      expect(await t.store.findRegistration(other.userId, 1)).not.toBeNull();
      // The token is free for whoever registers it next.
      const reused = { ...registration(), token: first.token };
      expect((await t.store.register(reused, at(6))).token).toBe(first.token);
    });

    it('claims at most one push per window, and none without a token', async () => {
      const entry = registration();
      expect(await t.store.claimPush(entry.userId, 1, at(0), 30 * second, randomUUID())).toBeNull();
      await t.store.register(entry, at(0));

      expect(
        await t.store.claimPush(entry.userId, 1, at(1), 30 * second, randomUUID()),
      ).toMatchObject({
        token: entry.token,
        lastPushAt: at(1),
      });
      expect(
        await t.store.claimPush(entry.userId, 1, at(30), 30 * second, randomUUID()),
      ).toBeNull();
      expect(
        await t.store.claimPush(entry.userId, 1, at(31), 30 * second, randomUUID()),
      ).not.toBeNull();
    });

    it('gives a held claim back to its own event until settled, and to no other', async () => {
      const entry = registration();
      await t.store.register(entry, at(0));
      const claim = await t.store.claimPush(entry.userId, 1, at(1), 30 * second, 'event-1');
      expect(claim).toMatchObject({ token: entry.token, lastPushAt: at(1) });
      // A redelivery of event-1 (its push did not go out): the same claim, the window unmoved.
      expect(await t.store.claimPush(entry.userId, 1, at(5), 30 * second, 'event-1')).toEqual(
        claim,
      );
      expect(await t.store.claimPush(entry.userId, 1, at(5), 30 * second, 'event-2')).toBeNull();

      expect(await t.store.settlePush(entry.userId, 1, 'event-1')).toBe(true);
      expect(await t.store.settlePush(entry.userId, 1, 'event-1')).toBe(false);
      // Settled (pushed, or given up): a redelivery of event-1 is collapsed like any other.
      expect(await t.store.claimPush(entry.userId, 1, at(6), 30 * second, 'event-1')).toBeNull();
      expect(
        await t.store.claimPush(entry.userId, 1, at(31), 30 * second, 'event-3'),
      ).toMatchObject({ lastPushAt: at(31) });
      // A new token starts afresh: no claim held.
      await t.store.register({ ...entry, token: randomBytes(32).toString('hex') }, at(32));
      expect(await t.store.settlePush(entry.userId, 1, 'event-3')).toBe(false);
    });

    it('hands a window to exactly one of many concurrent claims', async () => {
      const entry = registration();
      await t.store.register(entry, at(0));
      const claims = await Promise.all(
        Array.from({ length: 10 }, () =>
          t.store.claimPush(entry.userId, 1, at(1), 30 * second, randomUUID()),
        ),
      );
      expect(claims.filter((claim) => claim !== null)).toHaveLength(1);
    });

    it('answers ping', async () => {
      await expect(t.store.ping()).resolves.toBeUndefined();
    });
  });
}
