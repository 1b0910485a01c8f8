import { it } from '@jest/globals';
import { sdkAttachmentsAndRealtimeScenario } from './sdk-attachments-realtime.js';
import { sdkDirectMessagesScenario } from './sdk-direct-messages.js';
import { sdkGroupsScenario } from './sdk-groups.js';
import { sdkKeyUpkeepScenario } from './sdk-key-upkeep.js';
import { sdkReconnectsScenario } from './sdk-reconnects.js';
import { sdkSealedSenderScenario } from './sdk-sealed-sender.js';
import type { E2eTarget } from './target.js';

/**
 * The SDK (@guardyn/client) scenarios, one test each, against the deployment `target()` names
 * once its set-up ran (embedded in sdk-embedded.test.ts, distributed in sdk-distributed.test.ts).
 */
export function describeSdkScenarios(target: () => E2eTarget, timeoutMs: number): void {
  const scenarios: [string, (target: E2eTarget) => Promise<void>][] = [
    [
      'sends one-to-one to every device, retrying MISMATCHED_DEVICES, and resumes from the store',
      sdkDirectMessagesScenario,
    ],
    [
      'sends sealed once both sides know the other’s access key, and falls back when it is refused',
      sdkSealedSenderScenario,
    ],
    [
      'runs an MLS group on every device of each member: create, messages, add, remove, leave',
      sdkGroupsScenario,
    ],
    ['sends an encrypted attachment, typing and presence', sdkAttachmentsAndRealtimeScenario],
    [
      'delivers hundreds of messages in order, once each, across reconnects',
      (deployment) => sdkReconnectsScenario(deployment),
    ],
    [
      'replenishes one-time prekeys, rotates signed prekeys and refreshes tokens',
      sdkKeyUpkeepScenario,
    ],
  ];
  for (const [name, scenario] of scenarios) it(name, () => scenario(target()), timeoutMs);
}
