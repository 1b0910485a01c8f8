/**
 * The MediaStore contract against a real CQL node (GUARDYN_DATABASE__SCYLLADB_NODES, e.g. the
 * Cassandra of `npm run cassandra:start`), in keyspaces of this file's own that are dropped at the
 * end. Without a node it is skipped with the reason, except under CI, where it must run.
 */
import { describe, expect, it } from '@jest/globals';
import { describeOnCql, readyStore, usingReadyStore } from '../../shared/cql/describe-on-cql.js';
import { describeMediaStoreContract, newMediaRecord } from './store.contract.js';
import { ScyllaMediaStore } from './store.scylla.js';
import type { MediaRecord } from './store.js';

/** A media of 5 GiB: a size that does not fit in 32 bits. */
const media = () => newMediaRecord({ size: 5 * 2 ** 30 });

await describeOnCql('media', 'MediaStore', (cql) => {
  describeMediaStoreContract('ScyllaDB (CQL)', () => readyStore(ScyllaMediaStore.open(cql)));

  describe('MediaStore on ScyllaDB (CQL): id claims', () => {
    it('stores an id once when concurrent inserts race for it, all or nothing each', () =>
      usingReadyStore(ScyllaMediaStore.open(cql), async (store) => {
        const shared = media();
        const batches = Array.from({ length: 6 }, () => [media(), { ...shared }]);
        const results = await Promise.allSettled(batches.map((batch) => store.insert(batch)));
        const winners = batches.filter((_, index) => results[index]?.status === 'fulfilled');
        expect(winners).toHaveLength(1);
        for (const batch of batches) {
          const [own] = batch as [MediaRecord, MediaRecord];
          const found = await store.findMedia(own.id);
          expect(found).toEqual(winners.includes(batch) ? own : null);
        }
        // Sizes beyond 32 bits survive.
        expect(await store.findMedia(shared.id)).toEqual(shared);
      }));
  });
});
