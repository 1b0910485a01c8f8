/**
 * The NotificationStore contract (the collapse race included) against a real CQL node
 * (GUARDYN_DATABASE__SCYLLADB_NODES, e.g. the Cassandra of `npm run cassandra:start`), in keyspaces
 * of this file's own that are dropped at the end. Without a node it is skipped with the reason,
 * except under CI, where it must run.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { describe, expect, it } from '@jest/globals';
import { describeOnCql, readyStore } from '../../shared/cql/describe-on-cql.js';
import { describeNotificationStoreContract } from './store.contract.js';
import { ScyllaNotificationStore } from './store.scylla.js';

await describeOnCql('notification', 'NotificationStore', (cql) => {
  describeNotificationStoreContract('ScyllaDB (CQL)', () =>
    readyStore(ScyllaNotificationStore.open(cql)),
  );

  describe('NotificationStore on ScyllaDB (CQL): replicas', () => {
    it('hands a window to one claim across stores (replicas), and a token to one device', async () => {
      const stores = Array.from({ length: 3 }, () => ScyllaNotificationStore.open(cql));
      try {
        await Promise.all(stores.map(readyStore));
        const userId = randomUUID();
        const token = randomBytes(32).toString('hex');
        const [first, second, third] = stores as [
          ScyllaNotificationStore,
          ScyllaNotificationStore,
          ScyllaNotificationStore,
        ];
        await first.register({ userId, deviceId: 1, platform: 'APNS', token }, new Date());
        const now = new Date();
        const claims = await Promise.all(
          stores.flatMap((store) =>
            Array.from({ length: 4 }, () => store.claimPush(userId, 1, now, 30_000, randomUUID())),
          ),
        );
        expect(claims.filter((claim) => claim !== null)).toHaveLength(1);

        // The token moves to another device through another replica; the first loses it.
        await second.register({ userId, deviceId: 2, platform: 'APNS', token }, new Date());
        expect(await third.findRegistration(userId, 1)).toBeNull();
        expect(await third.findRegistration(userId, 2)).toMatchObject({ token, lastPushAt: null });
      } finally {
        await Promise.all(stores.map((store) => store.close()));
      }
    });
  });
});
