import { afterAll, beforeAll, it } from '@jest/globals';
import { cqlTestTarget, dropTestKeyspaces } from '../../shared/cql/testing.js';
import {
  startDistributedGuardyn,
  type DistributedGuardyn,
} from '../support/distributed-guardyn.js';
import { sdkAttachmentsAndRealtimeScenario } from './scenarios/sdk-attachments-realtime.js';
import { sdkDirectMessagesScenario } from './scenarios/sdk-direct-messages.js';
import { sdkGroupsScenario } from './scenarios/sdk-groups.js';
import { sdkKeyUpkeepScenario } from './scenarios/sdk-key-upkeep.js';
import { sdkReconnectsScenario } from './scenarios/sdk-reconnects.js';

/**
 * The SDK scenarios of sdk-embedded.test.ts against the distributed deployment: every service in
 * its own process, events over NATS, stores on Cassandra when a CQL node is reachable.
 */
const natsUrl = process.env['GUARDYN_MESSAGING__NATS_URL'] ?? 'nats://127.0.0.1:4222';
const cassandra = await cqlTestTarget('sdk');
if (!cassandra.available)
  process.stderr.write(`e2e/sdk-distributed: stores on SQLite: ${cassandra.reason}\n`);

let guardyn: DistributedGuardyn;
beforeAll(async () => {
  guardyn = await startDistributedGuardyn(natsUrl, {
    // The reconnect scenario sends hundreds of messages in well under a minute.
    GUARDYN_MESSAGING__SEND_RATE_PER_MINUTE: '1000',
    ...(cassandra.available
      ? {
          GUARDYN_DATABASE__SCYLLADB_NODES: cassandra.database.scyllaNodes.join(','),
          GUARDYN_DATABASE__SCYLLADB_KEYSPACE_PREFIX: cassandra.database.scyllaKeyspacePrefix,
        }
      : {}),
  });
}, 180_000);
afterAll(async () => {
  await guardyn?.dispose();
  if (cassandra.available) await dropTestKeyspaces(cassandra.database);
});

const timeoutMs = 120_000;
it(
  'sends one-to-one to every device, retrying MISMATCHED_DEVICES, and resumes from the store',
  () => sdkDirectMessagesScenario(guardyn),
  timeoutMs,
);
it(
  'runs an MLS group: create, messages, add, remove, leave',
  () => sdkGroupsScenario(guardyn),
  timeoutMs,
);
it(
  'sends an encrypted attachment, typing and presence',
  () => sdkAttachmentsAndRealtimeScenario(guardyn),
  timeoutMs,
);
it(
  'delivers hundreds of messages in order, once each, across reconnects',
  () => sdkReconnectsScenario(guardyn),
  timeoutMs,
);
it(
  'replenishes one-time prekeys, rotates signed prekeys and refreshes tokens',
  () => sdkKeyUpkeepScenario(guardyn),
  timeoutMs,
);
