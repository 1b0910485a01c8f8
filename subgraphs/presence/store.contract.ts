import { randomUUID } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
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
  describe(`PresenceStore contract: ${adapter}`, () => {
    let store: PresenceStore;
    beforeEach(async () => {
      store = await openStore();
    });
    afterEach(() => store.close());

    it('saves a presence and finds it, every field intact; an unknown user has none', async () => {
      const record = presence({ chosen: 'AWAY', chosenAt: at(3), lastActiveAt: at(4) });
      await store.savePresence(record);
      expect(await store.findPresence(record.userId)).toEqual(record);
      expect(await store.findPresence(randomUUID())).toBeNull();
    });

    it('replaces the whole record on save, clearing times set to null', async () => {
      const record = presence();
      await store.savePresence(record);
      const next = { ...record, chosen: 'AWAY' as const, chosenAt: null, lastActiveAt: at(9) };
      await store.savePresence(next);
      expect(await store.findPresence(record.userId)).toEqual(next);
      const cleared = { ...next, lastActiveAt: null, announced: 'OFFLINE' as const };
      await store.savePresence(cleared);
      expect(await store.findPresence(record.userId)).toEqual(cleared);
    });

    it('lists the users announced ONLINE or AWAY, and no longer once announced OFFLINE', async () => {
      const online = presence({ announced: 'ONLINE' });
      const away = presence({ chosen: 'AWAY', announced: 'AWAY' });
      const offline = presence({ announced: 'OFFLINE', chosenAt: null });
      for (const record of [online, away, offline]) await store.savePresence(record);
      const listed = await store.listAnnouncedPresent();
      expect(sorted(listed.map((record) => record.userId))).toEqual(
        sorted([online.userId, away.userId]),
      );
      expect(listed.find((record) => record.userId === away.userId)).toEqual(away);

      await store.savePresence({ ...online, announced: 'OFFLINE' });
      await store.savePresence({ ...offline, announced: 'ONLINE', lastActiveAt: at(7) });
      expect(sorted((await store.listAnnouncedPresent()).map((record) => record.userId))).toEqual(
        sorted([away.userId, offline.userId]),
      );
    });

    it('tells whether a user has a connection heard from after `since`, refreshed by heartbeats', async () => {
      const [userId, other] = [randomUUID(), randomUUID()];
      const first = connection(userId, 0);
      await store.touchConnection(first);
      await store.touchConnection(connection(userId, 10));
      await store.touchConnection(connection(other, 20));
      expect(await store.hasLiveConnection(userId, at(-1))).toBe(true);
      // Heard from strictly after `since`.
      expect(await store.hasLiveConnection(userId, at(0))).toBe(true);
      expect(await store.hasLiveConnection(userId, at(10))).toBe(false);

      await store.touchConnection({ ...first, lastHeartbeatAt: at(30) });
      expect(await store.hasLiveConnection(userId, at(10))).toBe(true);
      expect(await store.hasLiveConnection(userId, at(-1))).toBe(true);
      expect(await store.hasLiveConnection(randomUUID(), at(-1))).toBe(false);
    });

    it('removes a connection by its id; an unknown id changes nothing', async () => {
      const [userId, leaver] = [randomUUID(), randomUUID()];
      const kept = connection(userId, 0);
      const closed = connection(userId, 0);
      const gone = connection(leaver, 0);
      for (const entry of [kept, closed, gone]) await store.touchConnection(entry);
      await store.removeConnection(closed.connectionId);
      await store.removeConnection(gone.connectionId);
      await store.removeConnection(randomUUID());
      expect(await store.hasLiveConnection(userId, at(-1))).toBe(true);
      expect(await store.hasLiveConnection(leaver, at(-1))).toBe(false);
      // A removed connection is not expired later: only the kept one is, and its user named.
      expect(await store.expireConnections(at(5))).toEqual([userId]);
      expect(await store.hasLiveConnection(userId, at(-1))).toBe(false);
    });

    it('expires connections not heard from since `before` and names their users once each', async () => {
      const [quiet, live, mixed] = [randomUUID(), randomUUID(), randomUUID()];
      await store.touchConnection(connection(quiet, 0));
      await store.touchConnection(connection(quiet, 5));
      await store.touchConnection(connection(live, 30));
      const refreshed = connection(live, 1);
      await store.touchConnection(refreshed);
      await store.touchConnection({ ...refreshed, lastHeartbeatAt: at(40) });
      await store.touchConnection(connection(mixed, 10));
      await store.touchConnection(connection(mixed, 50));

      // Not heard from since `before`: at or before it.
      expect(sorted(await store.expireConnections(at(10)))).toEqual(sorted([quiet, mixed]));
      expect(await store.hasLiveConnection(quiet, at(-1))).toBe(false);
      expect(await store.hasLiveConnection(live, at(-1))).toBe(true);
      expect(await store.hasLiveConnection(mixed, at(-1))).toBe(true);
      expect(await store.expireConnections(at(10))).toEqual([]);

      // A heartbeat after expiry brings a connection back.
      await store.touchConnection(connection(quiet, 60));
      expect(await store.hasLiveConnection(quiet, at(-1))).toBe(true);
      expect(sorted(await store.expireConnections(at(100)))).toEqual(sorted([quiet, live, mixed]));
      expect(await store.expireConnections(at(100))).toEqual([]);
    });

    it('keeps presence records when their connections expire', async () => {
      const record = presence();
      await store.savePresence(record);
      await store.touchConnection(connection(record.userId, 0));
      expect(await store.expireConnections(at(1))).toEqual([record.userId]);
      expect(await store.findPresence(record.userId)).toEqual(record);
    });

    it('reads many users at once: record, whether connected, and visibility, with defaults', async () => {
      const known = presence({ chosen: 'AWAY', chosenAt: at(3), lastActiveAt: at(4) });
      const hidden = presence();
      const unknown = randomUUID();
      await store.savePresence(known);
      await store.savePresence(hidden);
      await store.saveVisibility(hidden.userId, 'CONTACTS');
      await store.saveVisibility(hidden.userId, 'NOBODY');
      await store.touchConnection(connection(known.userId, 0));
      await store.touchConnection(connection(known.userId, 20));
      await store.touchConnection(connection(unknown, 20));

      const read = await store.readPresenceBatch(
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
      expect(await store.readPresenceBatch([], at(0))).toEqual(new Map());
    });

    it('reads a batch larger than one query’s list', async () => {
      const records = Array.from({ length: 150 }, () => presence());
      for (const record of records) await store.savePresence(record);
      const read = await store.readPresenceBatch(
        records.map((record) => record.userId),
        at(0),
      );
      expect(read.size).toBe(150);
      expect(
        records.every((record) => read.get(record.userId)?.record?.userId === record.userId),
      ).toBe(true);
    });

    it('answers ping', async () => {
      await expect(store.ping()).resolves.toBeUndefined();
    });
  });
}
