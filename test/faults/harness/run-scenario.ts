/**
 * One scenario: subscribe every device, start the load, let it run, inject the fault (which
 * resolves once the broken part is back), let the load run on, stop it (started sends keep
 * retrying), wait until every successful send is acknowledged by every device it addressed or
 * the drain time passes, close the sockets, wait for presence to settle, and report.
 */
import { until } from '../../support/eventually.js';
import { isClearFailure } from './attempt.js';
import { collapseSeconds, type FaultDeployment } from './deployment.js';
import { Ledger, type MissingDelivery } from './ledger.js';
import { startLoad, type LoadOptions } from './load.js';
import { residentMemory } from './memory.js';
import { drainOfflineInboxes, inMailbox } from './offline-inbox.js';
import { waitUntilAbsent } from './presence.js';
import { startReceivers } from './receivers.js';
import type { ScenarioReport } from './report.js';
import { allDevices, refreshTokens, type LoadWorld } from './world.js';

export interface ScenarioOptions {
  /**
   * The gateway endpoint a client uses (client: a device's index, or a send's number), asked
   * at each connection and request. @default the deployment's gateway for all
   */
  readonly route?: (client: number) => string;
  readonly load?: LoadOptions;
  /** Load before the fault. @default 3 s */
  readonly beforeMs?: number;
  /**
   * Load after the fault healed. @default two collapse windows and 2 s: a push just before the
   * heal (a restarted notification pushes before its /health is green) closes one window, and a
   * message for the offline device must still arrive in the next for a wake-up to follow.
   */
  readonly afterMs?: number;
  /** How long deliveries may take to complete once the load stopped. @default 60 s */
  readonly drainMs?: number;
  /**
   * How long users may stay ONLINE after their sockets closed: the liveness window (90 s) and a
   * sweep (15 s), for sockets a crash cut. @default 120 s
   */
  readonly presenceMs?: number;
}

export interface ScenarioOutcome {
  readonly report: ScenarioReport;
  /** Up to 20 (message, device) pairs of successful sends never acknowledged. */
  readonly missing: readonly string[];
  /** Up to 20 messages that reached a device again after it acknowledged them. */
  readonly duplicates: readonly string[];
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export async function runScenario(
  deployment: FaultDeployment,
  world: LoadWorld,
  scenario: string,
  inject: () => Promise<void>,
  options: ScenarioOptions = {},
): Promise<ScenarioOutcome> {
  const url = () => deployment.guardyn.url;
  await refreshTokens(url(), world);
  const baseline = await residentMemory(deployment.guardyn.ports);
  const ledger = new Ledger();
  const devices = world.users.flatMap((user) => user.devices);
  const startedAt = Date.now();
  const route = options.route ?? url;
  const receivers = startReceivers(route, devices, ledger);
  let faultAt = Number.POSITIVE_INFINITY;
  let healedAt = Number.POSITIVE_INFINITY;
  try {
    await until(receivers.connections, (count) => count >= devices.length, 30_000);
    const load = startLoad(route, world, ledger, options.load);
    await sleep(options.beforeMs ?? 3_000);
    faultAt = Date.now();
    await inject();
    healedAt = Date.now();
    await sleep(options.afterMs ?? 2 * collapseSeconds * 1000 + 2_000);
    await load.stop();
    const drainUntil = Date.now() + (options.drainMs ?? 60_000);
    while (Date.now() < drainUntil) {
      await drainOfflineInboxes(url(), world, ledger);
      if (ledger.missing().length === 0) break;
      await sleep(500);
    }
  } finally {
    await receivers.stop();
  }
  const stillPresent = await waitUntilAbsent(url(), world, options.presenceMs ?? 120_000);
  const firstSuccess = ledger.firstSuccessAfter(healedAt);
  const summary = ledger.summary();
  const pushTimes = world.users
    .flatMap((user) =>
      user.offline ? deployment.providers.fcm.sentTo(user.offline.pushToken) : [],
    )
    .map((push) => push.receivedAt)
    .filter((at) => at >= startedAt)
    .sort((a, b) => a - b);
  const report: ScenarioReport = {
    scenario,
    summary,
    recoverySeconds: firstSuccess === undefined ? undefined : (firstSuccess - healedAt) / 1000,
    reconnects: receivers.connections() - devices.length,
    unclearFailures: Object.fromEntries(
      Object.entries(summary.failedAttempts).filter(([code]) => !isClearFailure(code)),
    ),
    memory: { baseline, after: await residentMemory(deployment.guardyn.ports) },
    durationSeconds: (Date.now() - startedAt) / 1000,
    pushes: {
      total: pushTimes.length,
      afterHeal: pushTimes.filter((at) => at >= healedAt).length,
      shortestGapSeconds: shortestGap(pushTimes),
    },
    stillPresent,
  };
  return {
    report,
    missing: await Promise.all(
      ledger
        .missing()
        .slice(0, 20)
        .map((missing) => describeMissing(url(), world, missing, { faultAt, healedAt })),
    ),
    duplicates: ledger.duplicateList().slice(0, 20),
  };
}

function shortestGap(times: readonly number[]): number | undefined {
  let shortest: number | undefined;
  for (let index = 1; index < times.length; index++) {
    const gap = ((times[index] ?? 0) - (times[index - 1] ?? 0)) / 1000;
    if (shortest === undefined || gap < shortest) shortest = gap;
  }
  return shortest;
}

/**
 * `tag → device`, with what tells a store that lost the envelope from a delivery that missed it:
 * the send's attempts (failures, and when it succeeded against the fault and the heal), whether the envelope
 * arrived at all, and whether it is in the device's mailbox now.
 */
async function describeMissing(
  url: string,
  world: LoadWorld,
  { tag, device, content, send, arrived }: MissingDelivery,
  times: { readonly faultAt: number; readonly healedAt: number },
): Promise<string> {
  const owner = allDevices(world).find((each) => each.key === device);
  const stored = owner ? await inMailbox(url, owner.accessToken, content) : undefined;
  const offset = (at: number, what: string) => {
    const seconds = ((send.succeededAt ?? at) - at) / 1000;
    return `${seconds >= 0 ? '+' : ''}${seconds.toFixed(2)} s from the ${what}`;
  };
  const succeeded =
    send.succeededAt === undefined
      ? 'never'
      : `${offset(times.faultAt, 'fault')}, ${offset(times.healedAt, 'heal')}`;
  return (
    `${tag} → ${device} (attempts ${send.attempts}: ${send.failures.join(', ') || 'none failed'}; ` +
    `succeeded ${succeeded}; arrived ${arrived ? 'yes' : 'no'}; in its mailbox now ${stored ?? 'unknown'})`
  );
}
