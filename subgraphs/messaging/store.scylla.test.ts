/**
 * The MessagingStore contract against a real CQL node (GUARDYN_DATABASE__SCYLLADB_NODES, e.g. the
 * Cassandra of `npm run cassandra:start`), in a fresh keyspace per test, all dropped at the end. Without a node it is skipped with the reason, except under CI, where it must run.
 */
import { randomUUID } from 'node:crypto';
import { describe, expect, it } from '@jest/globals';
import { describeOnCql, readyStore } from '../../shared/cql/describe-on-cql.js';
import { describeMessagingStoreContract, envelope, newGroup } from './store.contract.js';
import { ScyllaMessagingStore } from './store.scylla/index.js';

/** A process that dies after its commit won the epoch and before it delivered the commit. */
class CrashAfterCommit extends ScyllaMessagingStore {
  protected override async deliverCommit(): Promise<void> {
    throw new Error('killed between the epoch change and the delivery');
  }
}

/** A commit's envelope for the user's device 1. */
const commitEnvelope = (userId: string) => envelope(userId, 1, { type: 'MLS_COMMIT' });

await describeOnCql('messaging', 'MessagingStore', ({ database, logger }) => {
  let opened = 0;
  // A keyspace per test, as SQLite gets a fresh file per test: the expiry sweep counts every
  // mailbox of the keyspace, not only the test's own.
  describeMessagingStoreContract('ScyllaDB (CQL)', () =>
    readyStore(
      ScyllaMessagingStore.open({
        database: {
          ...database,
          scyllaKeyspacePrefix: `${database.scyllaKeyspacePrefix}_${++opened}`,
        },
        logger,
        sentRecordRetentionMs: 24 * 3600_000,
      }),
    ),
  );

  describe('MessagingStore on ScyllaDB (CQL): crash recovery', () => {
    it('delivers a commit that won its epoch when its committer died before delivering it', async () => {
      const options = {
        database: { ...database, scyllaKeyspacePrefix: `${database.scyllaKeyspacePrefix}_crash` },
        logger,
        sentRecordRetentionMs: 24 * 3600_000,
      };
      const dying = CrashAfterCommit.open(options);
      const restarted = ScyllaMessagingStore.open(options);
      try {
        await Promise.all([readyStore(dying), readyStore(restarted)]);
        const [owner, joiner, late] = [randomUUID(), randomUUID(), randomUUID()];
        const group = await dying.createGroup(newGroup([owner]));
        const welcome = commitEnvelope(joiner);
        await expect(
          dying.commitGroup({
            conversationId: group.id,
            expectedEpoch: 0,
            addedUserIds: [joiner],
            removedUserIds: [],
            committerUserId: owner,
            envelopes: [welcome],
          }),
        ).rejects.toThrow('killed');
        expect((await restarted.readMailbox(joiner, 1, null, 10, new Date())).envelopes).toEqual(
          [],
        );

        // The epoch moved: a rival commit for epoch 0 loses; the next reader delivers the commit.
        expect(
          await restarted.commitGroup({
            conversationId: group.id,
            expectedEpoch: 0,
            addedUserIds: [late],
            removedUserIds: [],
            committerUserId: owner,
            envelopes: [commitEnvelope(late)],
          }),
        ).toEqual({ kind: 'stale-epoch', currentEpoch: 1 });
        const after = await restarted.findConversation(group.id);
        expect(after).toMatchObject({ epoch: 1, memberIds: [owner, joiner] });
        const delivered = await restarted.readMailbox(joiner, 1, null, 10, new Date());
        expect(delivered.envelopes.map((envelope) => envelope.id)).toEqual([welcome.id]);
        expect((await restarted.listConversations(joiner)).map((c) => c.id)).toEqual([group.id]);
        expect((await restarted.readMailbox(late, 1, null, 10, new Date())).envelopes).toEqual([]);

        const next = await restarted.commitGroup({
          conversationId: group.id,
          expectedEpoch: 1,
          addedUserIds: [late],
          removedUserIds: [],
          committerUserId: owner,
          envelopes: [commitEnvelope(late)],
        });
        expect(next).toMatchObject({ kind: 'committed', conversation: { epoch: 2 } });
      } finally {
        await Promise.all([dying.close(), restarted.close()]);
      }
    });
  });
});
