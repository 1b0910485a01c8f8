import { it } from '@jest/globals';
import { useDistributedGuardyn } from '../support/use-distributed-guardyn.js';
import { sdkAttachmentsAndRealtimeScenario } from './scenarios/sdk-attachments-realtime.js';
import { sdkDirectMessagesScenario } from './scenarios/sdk-direct-messages.js';
import { sdkGroupsScenario } from './scenarios/sdk-groups.js';
import { sdkKeyUpkeepScenario } from './scenarios/sdk-key-upkeep.js';
import { sdkReconnectsScenario } from './scenarios/sdk-reconnects.js';

/**
 * The SDK scenarios of sdk-embedded.test.ts against the distributed deployment: every service in
 * its own process, events over NATS, stores on Cassandra when a CQL node is reachable.
 */
const world = await useDistributedGuardyn('sdk', {
  // The reconnect scenario sends hundreds of messages in well under a minute.
  GUARDYN_MESSAGING__SEND_RATE_PER_MINUTE: '1000',
});

const timeoutMs = 120_000;
it(
  'sends one-to-one to every device, retrying MISMATCHED_DEVICES, and resumes from the store',
  () => sdkDirectMessagesScenario(world.guardyn),
  timeoutMs,
);
it(
  'runs an MLS group: create, messages, add, remove, leave',
  () => sdkGroupsScenario(world.guardyn),
  timeoutMs,
);
it(
  'sends an encrypted attachment, typing and presence',
  () => sdkAttachmentsAndRealtimeScenario(world.guardyn),
  timeoutMs,
);
it(
  'delivers hundreds of messages in order, once each, across reconnects',
  () => sdkReconnectsScenario(world.guardyn),
  timeoutMs,
);
it(
  'replenishes one-time prekeys, rotates signed prekeys and refreshes tokens',
  () => sdkKeyUpkeepScenario(world.guardyn),
  timeoutMs,
);
