/**
 * The AuthStore contract against a real CQL node (GUARDYN_DATABASE__SCYLLADB_NODES, e.g. the
 * Cassandra of `npm run cassandra:start`), in keyspaces of this file's own that are dropped at the
 * end. Without a node it is skipped with the reason, except under CI, where it must run.
 */
import { describe, expect, it } from '@jest/globals';
import { describeOnCql, readyStore, usingReadyStore } from '../../shared/cql/describe-on-cql.js';
import { describeAuthStoreContract, newDevice, newUser } from './store.contract.js';
import { describeUnidentifiedAccessContract } from './store.contract.sealed.js';
import { describeAuthAccountDeletionContract } from './store.contract.deletion.js';
import { ScyllaAuthStore } from './store.scylla/index.js';
import { DeviceLimitError } from './store.js';

await describeOnCql('auth', 'AuthStore', (cql) => {
  const openStore = () => readyStore(ScyllaAuthStore.open(cql));
  describeAuthStoreContract('ScyllaDB (CQL)', openStore);
  describeUnidentifiedAccessContract('ScyllaDB (CQL)', openStore);
  describeAuthAccountDeletionContract('ScyllaDB (CQL)', openStore);

  describe('AuthStore on ScyllaDB (CQL): device links', () => {
    it('gives concurrent links distinct ids and never passes the device limit', () =>
      usingReadyStore(ScyllaAuthStore.open(cql), async (store) => {
        const user = newUser();
        await store.createUser(user, newDevice({ preKeys: 1 }));
        const results = await Promise.allSettled(
          Array.from({ length: 6 }, () =>
            store.addDevice(user.id, newDevice({ preKeys: 1 }), 4, new Date()),
          ),
        );
        const linked = results.flatMap((result) =>
          result.status === 'fulfilled' ? [result.value.deviceId] : [],
        );
        expect(linked.sort()).toEqual([2, 3, 4]);
        for (const result of results) {
          if (result.status === 'rejected') expect(result.reason).toBeInstanceOf(DeviceLimitError);
        }
        expect((await store.listDevices(user.id)).map((entry) => entry.deviceId)).toEqual([
          1, 2, 3, 4,
        ]);
        expect(await store.countPreKeys(user.id, 3)).toEqual({ ecOneTime: 1, kyberOneTime: 0 });
      }));
  });
});
