import { afterAll, beforeAll, it } from '@jest/globals';
import { cqlTestTarget, dropTestKeyspaces } from '../../shared/cql/testing.js';
import {
  startDistributedGuardyn,
  type DistributedGuardyn,
} from '../support/distributed-guardyn.js';
import { traceProbe } from '../support/user-traces.js';
import { accountDeletionScenario, sentMailStaysScenario } from './scenarios/account-deletion.js';
import { deletionCatchUpScenario } from './scenarios/deletion-catch-up.js';
import { directMessagesScenario } from './scenarios/direct-messages.js';
import { mlsGroupScenario } from './scenarios/mls-group.js';
import { realtimeScenario } from './scenarios/realtime.js';
import { signalBundleSessionScenario } from './scenarios/signal-bundle-session.js';

/**
 * The end-to-end scenarios once more, the way Guardyn runs when it outgrows one machine: every
 * service in its own process, events over the real NATS server, and the stores on Cassandra
 * (our ScyllaDB stand-in). CI always provides both; elsewhere, without a CQL node, the stores
 * stay on SQLite and the reason is printed.
 */
const natsUrl = process.env['GUARDYN_MESSAGING__NATS_URL'] ?? 'nats://127.0.0.1:4222';
const cassandra = await cqlTestTarget('e2e');
if (!cassandra.available)
  process.stderr.write(`e2e/distributed: stores on SQLite: ${cassandra.reason}\n`);

let guardyn: DistributedGuardyn;
beforeAll(async () => {
  guardyn = await startDistributedGuardyn(
    natsUrl,
    cassandra.available
      ? {
          GUARDYN_DATABASE__SCYLLADB_NODES: cassandra.database.scyllaNodes.join(','),
          GUARDYN_DATABASE__SCYLLADB_KEYSPACE_PREFIX: cassandra.database.scyllaKeyspacePrefix,
        }
      : {},
  );
}, 180_000);
afterAll(async () => {
  await guardyn?.dispose();
  if (cassandra.available) await dropTestKeyspaces(cassandra.database);
});

it(
  'builds a real PQXDH session from a bundle the API handed out',
  () => signalBundleSessionScenario(guardyn),
  60_000,
);
it(
  'delivers libsignal messages to every device, as ciphertext only',
  () => directMessagesScenario(guardyn),
  60_000,
);
it(
  'runs a real MLS group: welcome, messages, removal, racing commits',
  () => mlsGroupScenario(guardyn),
  60_000,
);
it(
  'delivers messages, typing, presence and revocations in real time',
  () => realtimeScenario(guardyn),
  60_000,
);

/** The stores as this deployment runs them: CQL rows (else SQLite rows) and every file. */
const probe = () =>
  traceProbe(guardyn.dataDir, cassandra.available ? cassandra.database : undefined);
it(
  'deletes an account from every service’s store',
  () => accountDeletionScenario(guardyn, probe()),
  90_000,
);
it(
  'keeps what a deleted user sent in its recipients’ mailboxes',
  () => sentMailStaysScenario(guardyn),
  60_000,
);
// Last: it stops and restarts the messaging process.
it(
  'deletes the mailbox of a deleted account once a stopped messaging process returns',
  () => deletionCatchUpScenario(guardyn, probe()),
  180_000,
);
