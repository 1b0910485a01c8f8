import { manyRegistrations } from '../support/test-guardyn.js';
import { useTestGuardyn } from '../support/use-test-guardyn.js';
import { describeSdkScenarios } from './scenarios/sdk-scenarios.js';

/**
 * The SDK (@guardyn/client) end to end against the embedded supergraph; sdk-distributed.test.ts
 * runs the same scenarios with every service in its own process.
 */
const world = useTestGuardyn({
  auth: manyRegistrations,
  // The reconnect scenario sends hundreds of messages in well under a minute.
  env: { GUARDYN_MESSAGING__SEND_RATE_PER_MINUTE: '1000' },
});
// Real crypto on two cores: generous timeouts, no timing assertions.
describeSdkScenarios(() => world.guardyn, 120_000);
