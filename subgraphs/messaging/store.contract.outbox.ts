import { randomUUID } from 'node:crypto';
import { expect, it } from '@jest/globals';
import { uuid7 } from '../../shared/ids/index.js';
import { wakeupOutboxTtlMs, type Wakeup } from './store.js';
import { hour, type MessagingStoreUnderTest } from './store.contract.fixtures.js';

const wakeup = (userId: string, deviceId = 1, createdAt = new Date()): Wakeup => ({
  envelopeId: uuid7(),
  userId,
  deviceId,
  createdAt,
});

const byId = (wakeups: readonly Wakeup[]) =>
  [...wakeups].sort((a, b) => (a.envelopeId < b.envelopeId ? -1 : 1));

/** The MessagingStore contract for the wake-up outbox (wake-ups the bus did not take). */
export function wakeupOutboxContract(t: MessagingStoreUnderTest): void {
  it('keeps wake-ups until they are dropped, each once', async () => {
    const user = randomUUID();
    const kept = [wakeup(user, 1), wakeup(user, 2), wakeup(randomUUID(), 1)];
    await t.store.keepWakeups(kept);
    await t.store.keepWakeups([kept[0] as Wakeup]);
    expect(await t.store.countKeptWakeups()).toBe(3);
    expect(byId(await t.store.keptWakeups(10, new Date()))).toEqual(byId(kept));
    expect(await t.store.keptWakeups(2, new Date())).toHaveLength(2);

    await t.store.dropWakeups([kept[0]?.envelopeId ?? '', uuid7()]);
    expect(byId(await t.store.keptWakeups(10, new Date()))).toEqual(byId(kept.slice(1)));
    await t.store.dropWakeups(kept.map((w) => w.envelopeId));
    expect(await t.store.keptWakeups(10, new Date())).toEqual([]);
    expect(await t.store.countKeptWakeups()).toBe(0);
  });

  it('hands out no wake-up a day old', async () => {
    const recent = wakeup(randomUUID(), 1, new Date(Date.now() - hour));
    await t.store.keepWakeups([recent]);
    expect(await t.store.keptWakeups(10, new Date())).toEqual([recent]);
    const dayLater = new Date(recent.createdAt.getTime() + wakeupOutboxTtlMs);
    expect(await t.store.keptWakeups(10, dayLater)).toEqual([]);
  });

  it('drops the wake-ups of a deleted account', async () => {
    const [gone, stays] = [randomUUID(), randomUUID()];
    const theirs = wakeup(stays);
    await t.store.keepWakeups([wakeup(gone, 1), wakeup(gone, 2), theirs]);
    await t.store.deleteUserData(gone, [1, 2]);
    expect(await t.store.keptWakeups(10, new Date())).toEqual([theirs]);
  });
}
