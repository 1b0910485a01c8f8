import { it } from '@jest/globals';
import { useTestGuardyn } from '../support/use-test-guardyn.js';
import { sdkDirectMessagesScenario } from './scenarios/sdk-direct-messages.js';

/** The SDK (@guardyn/client) end to end against the embedded supergraph. */
const world = useTestGuardyn();
const timeoutMs = 60_000;

it(
  'sends one-to-one to every device, retrying MISMATCHED_DEVICES, and resumes from the store',
  () => sdkDirectMessagesScenario(world.guardyn),
  timeoutMs,
);
