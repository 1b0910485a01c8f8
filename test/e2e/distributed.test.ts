import { it } from '@jest/globals';
import { useDistributedGuardyn } from '../support/use-distributed-guardyn.js';
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
const world = await useDistributedGuardyn('e2e');
const { cassandra } = world;

it(
  'builds a real PQXDH session from a bundle the API handed out',
  () => signalBundleSessionScenario(world.guardyn),
  60_000,
);
it(
  'delivers libsignal messages to every device, as ciphertext only',
  () => directMessagesScenario(world.guardyn),
  60_000,
);
it(
  'runs a real MLS group: welcome, messages, removal, racing commits',
  () => mlsGroupScenario(world.guardyn),
  60_000,
);
it(
  'delivers messages, typing, presence and revocations in real time',
  () => realtimeScenario(world.guardyn),
  60_000,
);

/** The stores as this deployment runs them: CQL rows (else SQLite rows) and every file. */
const probe = () =>
  traceProbe(world.guardyn.dataDir, cassandra.available ? cassandra.database : undefined);
it(
  'deletes an account from every service’s store',
  () => accountDeletionScenario(world.guardyn, probe()),
  90_000,
);
it(
  'keeps what a deleted user sent in its recipients’ mailboxes',
  () => sentMailStaysScenario(world.guardyn),
  60_000,
);
// Last: it stops and restarts the messaging process.
it(
  'deletes the mailbox of a deleted account once a stopped messaging process returns',
  () => deletionCatchUpScenario(world.guardyn, probe()),
  180_000,
);
