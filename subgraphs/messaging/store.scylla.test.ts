/**
 * The MessagingStore contract against a real CQL node (GUARDYN_DATABASE__SCYLLADB_NODES, e.g. the
 * Cassandra of `npm run cassandra:start`), in a fresh keyspace per test, all dropped at the end. Without a node it is skipped with the reason, except under CI, where it must run.
 */
import { randomUUID } from 'node:crypto';
import { describe, expect, it } from '@jest/globals';
import { describeOnCql, readyStore } from '../../shared/cql/describe-on-cql.js';
import type { CqlSession } from '../../shared/cql/index.js';
import { describeMessagingStoreContract, envelope, newGroup } from './store.contract.js';
import { sendFailuresContract, type SendFault } from './store.contract.failures.js';
import { ScyllaMessagingStore } from './store.scylla/index.js';

/** A statement to fail: before it runs, or after (it took effect, its answer is lost). */
interface Fault {
  readonly statement: RegExp;
  readonly afterRunning: boolean;
}

/** The statement that fails for each fault: the claim, the first envelope's row, the completion. */
const faults: Record<SendFault, Fault> = {
  claim: { statement: /^INSERT INTO \S+\.send_claims /, afterRunning: true },
  'sealed claim': { statement: /^INSERT INTO \S+\.sealed_send_claims /, afterRunning: true },
  'envelope write': { statement: /^INSERT INTO \S+\.mailbox \(/, afterRunning: false },
  'sent record': { statement: /^INSERT INTO \S+\.sent_messages /, afterRunning: false },
  'sealed record': { statement: /^INSERT INTO \S+\.sealed_sends /, afterRunning: false },
};

/** The real session, but the next statement matching `armed.fault` fails (once). */
function sabotaged(db: CqlSession, armed: { fault: Fault | null }): CqlSession {
  return new Proxy(db, {
    get(target, property) {
      if (property === 'execute') {
        const execute: CqlSession['execute'] = async (query, ...rest) => {
          const fault = armed.fault;
          if (!fault?.statement.test(query.trim())) return target.execute(query, ...rest);
          armed.fault = null;
          if (fault.afterRunning) await target.execute(query, ...rest);
          throw new Error(`injected fault: ${query}`);
        };
        return execute;
      }
      const value: unknown = Reflect.get(target, property, target);
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
}

/** A store on a sabotaged session: with `armed.fault` set, its next such statement fails. */
class FaultyScyllaStore extends ScyllaMessagingStore {
  static readonly armed: { fault: Fault | null } = { fault: null };

  constructor(db: CqlSession, keyspace: string, sentRecordRetentionMs: number) {
    super(sabotaged(db, FaultyScyllaStore.armed), keyspace, sentRecordRetentionMs);
  }
}

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

  sendFailuresContract('ScyllaDB (CQL)', async () => {
    const store = await readyStore(
      FaultyScyllaStore.open({
        database: { ...database, scyllaKeyspacePrefix: `${database.scyllaKeyspacePrefix}_faults` },
        logger,
        sentRecordRetentionMs: 24 * 3600_000,
      }),
    );
    return {
      store,
      async inject(fault) {
        FaultyScyllaStore.armed.fault = faults[fault];
      },
      async heal() {
        FaultyScyllaStore.armed.fault = null;
      },
      close: () => store.close(),
    };
  });

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
