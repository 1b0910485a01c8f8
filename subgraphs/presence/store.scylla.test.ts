/**
 * The PresenceStore contract against a real CQL node (GUARDYN_DATABASE__SCYLLADB_NODES, e.g. the
 * Cassandra of `npm run cassandra:start`), in a fresh keyspace per test, all dropped at the end.
 * Without a node it is skipped with the reason, except under CI, where it must run.
 */
import { randomUUID } from 'node:crypto';
import { describe, expect, it } from '@jest/globals';
import { describeOnCql, readyStore, usingReadyStore } from '../../shared/cql/describe-on-cql.js';
import { describePresenceStoreContract } from './store.contract.js';
import { ScyllaPresenceStore, type ScyllaPresenceStoreOptions } from './store.scylla/index.js';
import type { ConnectionRecord } from './store.js';

/** A gateway whose heartbeat for the connection arrives while a sweep looks at it. */
class HeartbeatDuringSweep extends ScyllaPresenceStore {
  heartbeat: ConnectionRecord | null = null;

  protected override async userConnections(userId: string) {
    const connections = await super.userConnections(userId);
    if (this.heartbeat?.userId === userId) await this.touchConnection(this.heartbeat);
    return connections;
  }
}

await describeOnCql('presence', 'PresenceStore', ({ database, logger }) => {
  let opened = 0;
  // A keyspace per test, as SQLite gets a fresh database per test: listAnnouncedPresent and
  // expireConnections look at every user of the keyspace.
  const options = (): ScyllaPresenceStoreOptions => ({
    database: { ...database, scyllaKeyspacePrefix: `${database.scyllaKeyspacePrefix}_${++opened}` },
    logger,
  });
  describePresenceStoreContract('ScyllaDB (CQL)', () =>
    readyStore(ScyllaPresenceStore.open(options())),
  );

  describe('PresenceStore on ScyllaDB (CQL): TTL and sweeps', () => {
    it('lets a connection not heard from expire by TTL, keeping the presence record', () =>
      usingReadyStore(
        ScyllaPresenceStore.open({
          ...options(),
          livenessMs: 1_000,
          connectionTtlMarginMs: 1_000,
        }),
        async (store) => {
          const userId = randomUUID();
          const record = {
            userId,
            chosen: 'ONLINE' as const,
            chosenAt: null,
            lastActiveAt: new Date(),
            announced: 'ONLINE' as const,
          };
          await store.savePresence(record);
          await store.touchConnection({
            userId,
            deviceId: 1,
            connectionId: randomUUID(),
            lastHeartbeatAt: new Date(),
          });
          expect(await store.hasLiveConnection(userId, new Date(0))).toBe(true);
          await new Promise((resolve) => setTimeout(resolve, 3_000));
          expect(await store.hasLiveConnection(userId, new Date(0))).toBe(false);
          // Gone before any sweep saw it: not reported, but the user is still announced present.
          expect(await store.expireConnections(new Date())).toEqual([]);
          expect(await store.findPresence(userId)).toEqual(record);
          expect((await store.listAnnouncedPresent()).map((entry) => entry.userId)).toEqual([
            userId,
          ]);
        },
      ));

    it('keeps a connection whose heartbeat lands while a sweep deletes it', () =>
      usingReadyStore(HeartbeatDuringSweep.open(options()), async (store) => {
        const userId = randomUUID();
        const stale = {
          userId,
          deviceId: 1,
          connectionId: randomUUID(),
          lastHeartbeatAt: new Date(Date.now() - 600_000),
        };
        await store.touchConnection(stale);
        store.heartbeat = { ...stale, lastHeartbeatAt: new Date() };
        // The sweep read the stale heartbeat, so it names the user; the newer write survives.
        expect(await store.expireConnections(new Date(Date.now() - 60_000))).toEqual([userId]);
        store.heartbeat = null;
        expect(await store.hasLiveConnection(userId, new Date(Date.now() - 60_000))).toBe(true);
        // The user is still known to the sweep, which expires the connection once it is stale.
        expect(await store.expireConnections(new Date(Date.now() + 1_000))).toEqual([userId]);
        expect(await store.hasLiveConnection(userId, new Date(0))).toBe(false);
      }));
  });
});
