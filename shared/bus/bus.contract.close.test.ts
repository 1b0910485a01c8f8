/** The bus contract, closing a bus: run against every implementation (see bus.contract.harness.ts). */
import { expect, it } from '@jest/globals';
import { BusClosedError } from './index.js';
import { describeBusContract, collector, eventually } from './bus.contract.harness.js';

describeBusContract('close', (t) => {
  const { open, errors, implementation } = t;
  it('is idempotent, and the bus refuses work afterwards', async () => {
    const bus = await open();
    const first = bus.close();
    expect(bus.close()).toBe(first);
    await first;
    await bus.close();

    await expect(bus.publish(`${t.core}.x`, 1)).rejects.toBeInstanceOf(BusClosedError);
    expect(() => bus.subscribe(`${t.core}.x`, () => undefined)).toThrow(BusClosedError);
    await expect(
      bus.publishDurable(`${t.push}.u1.d1`, 1, { msgId: `${t.ns}-1` }),
    ).rejects.toBeInstanceOf(BusClosedError);
    await expect(
      bus.consumeDurable(`${t.push}.>`, `c-${t.ns}`, () => undefined),
    ).rejects.toBeInstanceOf(BusClosedError);
  });

  it('waits for a running durable handler, whose message is then acked', async () => {
    const bus = await open();
    const events: string[] = [];
    let release = (): void => undefined;
    const gate = new Promise<void>((resolve) => (release = resolve));
    await bus.consumeDurable(`${t.push}.>`, `c-${t.ns}`, async () => {
      events.push('started');
      await gate;
      events.push('handled');
    });
    await bus.publishDurable(`${t.push}.u1.d1`, 1, { msgId: `${t.ns}-1` });
    await eventually(() => expect(events).toEqual(['started']));

    const closed = bus.close().then(() => events.push('closed'));
    // Whatever the timing, close() cannot finish while the handler is blocked.
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(events).toEqual(['started']);
    release();
    await closed;
    expect(events).toEqual(['started', 'handled', 'closed']);
    expect(errors).toEqual([]);

    if (!implementation.sharedBroker) return;
    // The message was acked before the connection closed: a restart does not see it again.
    const after = await open();
    const got = collector();
    await after.consumeDurable(`${t.push}.>`, `c-${t.ns}`, got.handler);
    await after.publishDurable(`${t.push}.u1.d1`, 2, { msgId: `${t.ns}-2` });
    await eventually(() => expect(got.data()).toContain(2));
    expect(got.data()).toEqual([2]);
  });
});
