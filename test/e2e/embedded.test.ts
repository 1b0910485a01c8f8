import { it } from '@jest/globals';
import { useTestGuardyn } from '../support/use-test-guardyn.js';
import { traceProbe } from '../support/user-traces.js';
import { accountDeletionScenario, sentMailStaysScenario } from './scenarios/account-deletion.js';
import { directMessagesScenario } from './scenarios/direct-messages.js';
import { mlsGroupScenario } from './scenarios/mls-group.js';
import { realtimeScenario } from './scenarios/realtime.js';
import { signalBundleSessionScenario } from './scenarios/signal-bundle-session.js';

/**
 * The end-to-end scenarios against the embedded supergraph (one process, SQLite; events on NATS
 * when GUARDYN_MESSAGING__NATS_URL is set). distributed.test.ts runs the same ones with every
 * service in its own process.
 */
const world = useTestGuardyn();

// Real crypto on two cores: generous timeouts, no timing assertions.
const timeoutMs = 60_000;
it(
  'builds a real PQXDH session from a bundle the API handed out',
  () => signalBundleSessionScenario(world.guardyn),
  timeoutMs,
);
it(
  'delivers libsignal messages to every device, as ciphertext only',
  () => directMessagesScenario(world.guardyn),
  timeoutMs,
);
it(
  'runs a real MLS group: welcome, messages, removal, racing commits',
  () => mlsGroupScenario(world.guardyn),
  timeoutMs,
);
it(
  'delivers messages, typing, presence and revocations in real time',
  () => realtimeScenario(world.guardyn),
  timeoutMs,
);
it(
  'deletes an account from every store and file, SQLite WALs included',
  () => accountDeletionScenario(world.guardyn, traceProbe(world.guardyn.dataDir)),
  timeoutMs,
);
it(
  'keeps what a deleted user sent in its recipients’ mailboxes',
  () => sentMailStaysScenario(world.guardyn),
  timeoutMs,
);
