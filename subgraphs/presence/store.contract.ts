import { randomUUID } from 'node:crypto';
import { expect, it } from '@jest/globals';
import { describeStoreContract } from '../../shared/testing/store-contract.js';
import type { ConnectionRecord, PresenceRecord, PresenceStore } from './store.js';

const at = (seconds: number) => new Date(Date.UTC(2026, 10, 26, 12, 0, seconds));

function presence(overrides: Partial<PresenceRecord> = {}): PresenceRecord {
  return {
    userId: randomUUID(),
    chosen: 'ONLINE',
    chosenAt: at(0),
    lastActiveAt: at(0),
    announced: 'ONLINE',
    ...overrides,
  };
}

function connection(userId: string, seconds: number, connectionId = randomUUID()) {
  return {
    userId,
    deviceId: 1,
    connectionId,
    lastHeartbeatAt: at(seconds),
  } satisfies ConnectionRecord;
}

const sorted = (values: readonly string[]) => [...values].sort();

/**
 * The PresenceStore contract: every adapter must pass it. Each test gets a store of its own (an
 * empty one: `listAnnouncedPresent` and `expireConnections` look at every user).
 */
export function describePresenceStoreContract(
  adapter: string,
  openStore: () => Promise<PresenceStore>,
): void {
  describeStoreContract(`PresenceStore contract: ${adapter}`, openStore, (t) => {
    it('deletes a user’s record, visibility and connections, and no one else’s', async () => {
      const [gone, kept] = [presence({ announced: 'AWAY' }), presence({ announced: 'AWAY' })];
      for (const record of [gone, kept]) {
        await t.store.savePresence(record);
        await t.store.saveVisibility(record.userId, 'NOBODY');
        await t.store.touchConnection(connection(record.userId, 5));
      }
      await t.store.deleteUser(gone.userId);
      await t.store.deleteUser(gone.userId);

      expect(await t.store.findPresence(gone.userId)).toBeNull();
      expect(await t.store.hasLiveConnection(gone.userId, at(0))).toBe(false);
      const batch = await t.store.readPresenceBatch([gone.userId, kept.userId], at(0));
      expect(batch.get(gone.userId)).toEqual({
        record: null,
        connected: false,
        visibility: 'CONTACTS',
      });
      expect(batch.get(kept.userId)).toEqual({
        record: kept,
        connected: true,
        visibility: 'NOBODY',
      });
      expect((await t.store.listAnnouncedPresent()).map((record) => record.userId)).toEqual([
        kept.userId,
      ]);
      expect(await t.store.expireConnections(at(60))).toEqual([kept.userId]);
    });

    it('saves a presence and finds it, every field intact; an unknown user has none', async () => {
      const record = presence({ chosen: 'AWAY', chosenAt: at(3), lastActiveAt: at(4) });
      await t.store.savePresence(record);
      expect(await t.store.findPresence(record.userId)).toEqual(record);
      expect(await t.store.findPresence(randomUUID())).toBeNull();
    });

    it('replaces the whole record on save, clearing times set to null', async () => {
      const record = presence();
      await t.store.savePresence(record);
      const next = { ...record, chosen: 'AWAY' as const, chosenAt: null, lastActiveAt: at(9) };
      await t.store.savePresence(next);
      expect(await t.store.findPresence(record.userId)).toEqual(next);
      const cleared = { ...next, lastActiveAt: null, announced: 'OFFLINE' as const };
      await t.store.savePresence(cleared);
      expect(await t.store.findPresence(record.userId)).toEqual(cleared);
    });

    it('lists the users announced ONLINE or AWAY, and no longer once announced OFFLINE', async () => {
      const online = presence({ announced: 'ONLINE' });
      const away = presence({ chosen: 'AWAY', announced: 'AWAY' });
      const offline = presence({ announced: 'OFFLINE', chosenAt: null });
      for (const record of [online, away, offline]) await t.store.savePresence(record);
      const listed = await t.store.listAnnouncedPresent();
      expect(sorted(listed.map((record) => record.userId))).toEqual(
        sorted([online.userId, away.userId]),
      );
      expect(listed.find((record) => record.userId === away.userId)).toEqual(away);

      await t.store.savePresence({ ...online, announced: 'OFFLINE' });
      await t.store.savePresence({ ...offline, announced: 'ONLINE', lastActiveAt: at(7) });
      expect(sorted((await t.store.listAnnouncedPresent()).map((record) => record.userId))).toEqual(
        sorted([away.userId, offline.userId]),
      );
    });

    it('tells whether a user has a connection heard from after `since`, refreshed by heartbeats', async () => {
      const [userId, other] = [randomUUID(), randomUUID()];
      const first = connection(userId, 0);
      await t.store.touchConnection(first);
      await t.store.touchConnection(connection(userId, 10));
      await t.store.touchConnection(connection(other, 20));
      expect(await t.store.hasLiveConnection(userId, at(-1))).toBe(true);
      // Heard from strictly after `since`.
      expect(await t.store.hasLiveConnection(userId, at(0))).toBe(true);
      expect(await t.store.hasLiveConnection(userId, at(10))).toBe(false);

      await t.store.touchConnection({ ...first, lastHeartbeatAt: at(30) });
      expect(await t.store.hasLiveConnection(userId, at(10))).toBe(true);
      expect(await t.store.hasLiveConnection(userId, at(-1))).toBe(true);
      expect(await t.store.hasLiveConnection(randomUUID(), at(-1))).toBe(false);
    });

    it('removes a connection by its id; an unknown id changes nothing', async () => {
      const [userId, leaver] = [randomUUID(), randomUUID()];
      const kept = connection(userId, 0);
      const closed = connection(userId, 0);
      const gone = connection(leaver, 0);
      for (const entry of [kept, closed, gone]) await t.store.touchConnection(entry);
      await t.store.removeConnection(closed.connectionId);
      await t.store.removeConnection(gone.connectionId);
      await t.store.removeConnection(randomUUID());
      expect(await t.store.hasLiveConnection(userId, at(-1))).toBe(true);
      expect(await t.store.hasLiveConnection(leaver, at(-1))).toBe(false);
      // A removed connection is not expired later: only the kept one is, and its user named.
      expect(await t.store.expireConnections(at(5))).toEqual([userId]);
      expect(await t.store.hasLiveConnection(userId, at(-1))).toBe(false);
    });

    it('expires connections not heard from since `before` and names their users once each', async () => {
      const [quiet, live, mixed] = [randomUUID(), randomUUID(), randomUUID()];
      await t.store.touchConnection(connection(quiet, 0));
      await t.store.touchConnection(connection(quiet, 5));
      await t.store.touchConnection(connection(live, 30));
      const refreshed = connection(live, 1);
      await t.store.touchConnection(refreshed);
      await t.store.touchConnection({ ...refreshed, lastHeartbeatAt: at(40) });
      await t.store.touchConnection(connection(mixed, 10));
      await t.store.touchConnection(connection(mixed, 50));

      // Not heard from since `before`: at or before it.
      expect(sorted(await t.store.expireConnections(at(10)))).toEqual(sorted([quiet, mixed]));
      expect(await t.store.hasLiveConnection(quiet, at(-1))).toBe(false);
      expect(await t.store.hasLiveConnection(live, at(-1))).toBe(true);
      expect(await t.store.hasLiveConnection(mixed, at(-1))).toBe(true);
      expect(await t.store.expireConnections(at(10))).toEqual([]);

      // A heartbeat after expiry brings a connection back.
      await t.store.touchConnection(connection(quiet, 60));
      expect(await t.store.hasLiveConnection(quiet, at(-1))).toBe(true);
      expect(sorted(await t.store.expireConnections(at(100)))).toEqual(
        sorted([quiet, live, mixed]),
      );
      expect(await t.store.expireConnections(at(100))).toEqual([]);
    });

    it('keeps presence records when their connections expire', async () => {
      const record = presence();
      await t.store.savePresence(record);
      await t.store.touchConnection(connection(record.userId, 0));
      expect(await t.store.expireConnections(at(1))).toEqual([record.userId]);
      expect(await t.store.findPresence(record.userId)).toEqual(record);
    });

    it('reads many users at once: record, whether connected, and visibility, with defaults', async () => {
      const known = presence({ chosen: 'AWAY', chosenAt: at(3), lastActiveAt: at(4) });
      const hidden = presence();
      const unknown = randomUUID();
      await t.store.savePresence(known);
      await t.store.savePresence(hidden);
      await t.store.saveVisibility(hidden.userId, 'CONTACTS');
      await t.store.saveVisibility(hidden.userId, 'NOBODY');
      await t.store.touchConnection(connection(known.userId, 0));
      await t.store.touchConnection(connection(known.userId, 20));
      await t.store.touchConnection(connection(unknown, 20));

      const read = await t.store.readPresenceBatch(
        [known.userId, hidden.userId, unknown, known.userId],
        at(10),
      );
      expect(read).toEqual(
        new Map([
          [known.userId, { record: known, connected: true, visibility: 'CONTACTS' }],
          [hidden.userId, { record: hidden, connected: false, visibility: 'NOBODY' }],
          [unknown, { record: null, connected: true, visibility: 'CONTACTS' }],
        ]),
      );
      expect(await t.store.readPresenceBatch([], at(0))).toEqual(new Map());
    });

    it('reads a batch larger than one query’s list', async () => {
      const records = Array.from({ length: 150 }, () => presence());
      for (const record of records) await t.store.savePresence(record);
      const read = await t.store.readPresenceBatch(
        records.map((record) => record.userId),
        at(0),
      );
      expect(read.size).toBe(150);
      expect(
        records.every((record) => read.get(record.userId)?.record?.userId === record.userId),
      ).toBe(true);
    });

    it('answers ping', async () => {
      await expect(t.store.ping()).resolves.toBeUndefined();
    });
  });
}
