/**
 * The MediaStore contract against a real CQL node (GUARDYN_DATABASE__SCYLLADB_NODES, e.g. the
 * Cassandra of `npm run cassandra:start`), in keyspaces of this file's own that are dropped at the
 * end. Without a node it is skipped with the reason, except under CI, where it must run.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { afterAll, describe, expect, it } from '@jest/globals';
import { cqlTestTarget, dropTestKeyspaces } from '../../shared/cql/testing.js';
import { uuid7 } from '../../shared/ids/index.js';
import { createLogger } from '../../shared/logging/index.js';
import { describeMediaStoreContract } from './store.contract.js';
import { ScyllaMediaStore } from './store.scylla.js';
import type { MediaRecord } from './store.js';

function media(): MediaRecord {
  return {
    id: uuid7(),
    ownerId: randomUUID(),
    kind: 'attachment',
    parentId: null,
    thumbnailSize: null,
    contentType: 'application/octet-stream',
    size: 5 * 2 ** 30,
    sha256: randomBytes(32).toString('hex'),
    encrypted: true,
    width: null,
    height: null,
    createdAt: new Date(Math.floor(Date.now() / 1000) * 1000),
  };
}

const target = await cqlTestTarget('media');

if (target.available) {
  const { database } = target;
  const logger = createLogger('silent', 'media-store-test');
  describeMediaStoreContract('ScyllaDB (CQL)', async () => {
    const store = ScyllaMediaStore.open({ database, logger });
    await store.ready(60_000);
    return store;
  });

  describe('MediaStore on ScyllaDB (CQL): id claims', () => {
    it('stores an id once when concurrent inserts race for it, all or nothing each', async () => {
      const store = ScyllaMediaStore.open({ database, logger });
      try {
        await store.ready(60_000);
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
      } finally {
        await store.close();
      }
    });
  });
  afterAll(() => dropTestKeyspaces(database), 60_000);
} else {
  process.stderr.write(`media store.scylla: skipping the CQL contract: ${target.reason}\n`);
  describe.skip('MediaStore contract: ScyllaDB (CQL)', () => {
    it.skip(target.reason, () => undefined);
  });
}
