import { expect } from '@jest/globals';
import { linkDevice, registerAccount } from '../../support/accounts.js';
import type { DistributedGuardyn } from '../../support/distributed-guardyn.js';
import { until } from '../../support/eventually.js';
import { sendOpaqueMessage } from '../../support/messaging-client.js';
import type { TraceProbe } from '../../support/user-traces.js';
import { deleteAccount } from './account-deletion.js';

/**
 * A messaging process that is down when an account is deleted catches up when it returns: the
 * durable `messaging-account-deleted` consumer gets the event it missed and deletes the mailbox.
 */
export async function deletionCatchUpScenario(
  guardyn: DistributedGuardyn,
  probe: TraceProbe,
): Promise<void> {
  const { url } = guardyn;
  const user = await registerAccount(url);
  await linkDevice(url, user);
  const friend = await registerAccount(url);
  await sendOpaqueMessage(url, friend, user, { content: 'for both devices' });

  await guardyn.stopService('messaging');
  try {
    expect(await deleteAccount(url, user)).toEqual({ deleteAccount: true });
    // Every other service deletes; the stopped one cannot: what names the user is messaging's.
    const onlyMessaging = (found: string[]) =>
      found.length > 0 && found.every((place) => place.includes('messaging'));
    const whileStopped = await until(() => probe(user.userId), onlyMessaging, 30_000);
    expect(onlyMessaging(whileStopped)).toBe(true);
  } finally {
    await guardyn.startService('messaging');
  }
  const traces = await until(
    () => probe(user.userId),
    (found) => found.length === 0,
    60_000,
  );
  expect(traces).toEqual([]);
}
