import { useDistributedGuardyn } from '../support/use-distributed-guardyn.js';
import { describeSdkScenarios } from './scenarios/sdk-scenarios.js';

/**
 * The SDK scenarios of sdk-embedded.test.ts against the distributed deployment: every service in
 * its own process, events over NATS, stores on Cassandra when a CQL node is reachable.
 */
const world = await useDistributedGuardyn('sdk', {
  // The reconnect scenario sends hundreds of messages in well under a minute.
  GUARDYN_MESSAGING__SEND_RATE_PER_MINUTE: '1000',
});
describeSdkScenarios(() => world.guardyn, 120_000);
