/** The bus contract, durable streams and consumers: run against every implementation (see bus.contract.harness.ts). */
import { expect, it } from '@jest/globals';
import { DurableConsumerConflictError, RedeliverLaterError } from './index.js';
import { describeBusContract, collector, eventually } from './bus.contract.harness.js';

describeBusContract('durable', (t) => {
  const { open, errors, errorKinds, itWithSharedBroker } = t;
  it('keeps messages for a consumer created later and delivers them in order', async () => {
    const bus = await open();
    for (const n of [1, 2, 3, 4, 5]) {
      await bus.publishDurable(`${t.push}.u${n % 2}.d1`, { n }, { msgId: `${t.ns}-${n}` });
    }
    const got = collector();
    await bus.consumeDurable(`${t.push}.>`, `c-${t.ns}`, got.handler);

    await eventually(() => expect(got.received).toHaveLength(5));
    expect(got.data()).toEqual([{ n: 1 }, { n: 2 }, { n: 3 }, { n: 4 }, { n: 5 }]);
    expect(got.received.map((message) => message.msgId)).toEqual(
      [1, 2, 3, 4, 5].map((n) => `${t.ns}-${n}`),
    );
    expect(got.received[0]?.subject).toBe(`${t.push}.u1.d1`);
  });

  it('redelivers a message whose handler threw, without holding up the others', async () => {
    const bus = await open();
    const deliveries: number[] = [];
    let failed = false;
    await bus.consumeDurable(`${t.push}.>`, `c-${t.ns}`, (message) => {
      const { n } = message.data as { n: number };
      deliveries.push(n);
      if (n === 1 && !failed) {
        failed = true;
        throw new Error('transient');
      }
    });
    await bus.publishDurable(`${t.push}.u1.d1`, { n: 1 }, { msgId: `${t.ns}-1` });
    await bus.publishDurable(`${t.push}.u1.d1`, { n: 2 }, { msgId: `${t.ns}-2` });

    await eventually(() => expect([...deliveries].sort()).toEqual([1, 1, 2]));
    expect(errors).toHaveLength(1);
    expect(errors[0]?.context).toEqual({
      kind: 'durable-handler',
      subject: `${t.push}.u1.d1`,
      durableName: `c-${t.ns}`,
      deliveryCount: 1,
    });
    // Acked at last: a later message arrives and the first is not delivered a third time.
    await bus.publishDurable(`${t.push}.u1.d1`, { n: 3 }, { msgId: `${t.ns}-3` });
    await eventually(() => expect(deliveries).toContain(3));
    expect(deliveries.filter((n) => n === 1)).toHaveLength(2);
  });

  it('redelivers after the delay a handler asks for, counting the deliveries, and reports nothing', async () => {
    // The bus's own backoff is a minute: only the handler's delay can bring the message back soon.
    const bus = await open({ retry: { initialMs: 60_000, maxMs: 60_000 } });
    const counts: (number | undefined)[] = [];
    await bus.consumeDurable(`${t.push}.>`, `c-${t.ns}`, (message) => {
      counts.push(message.deliveryCount);
      if (counts.length < 3) throw new RedeliverLaterError(30);
    });
    await bus.publishDurable(`${t.push}.u1.d1`, { n: 1 }, { msgId: `${t.ns}-1` });

    await eventually(() => expect(counts).toEqual([1, 2, 3]));
    expect(errors).toEqual([]);
  });

  it('gives a message up after maxDeliver failed deliveries', async () => {
    const bus = await open({ maxDeliver: 2 });
    const deliveries: number[] = [];
    await bus.consumeDurable(`${t.push}.>`, `c-${t.ns}`, (message) => {
      deliveries.push((message.data as { n: number }).n);
      throw new Error('permanent');
    });
    await bus.publishDurable(`${t.push}.u1.d1`, { n: 1 }, { msgId: `${t.ns}-1` });

    await eventually(() => expect(errorKinds()).toEqual(['durable-handler', 'durable-gave-up']));
    expect(errors[1]?.context.deliveryCount).toBe(2);
    expect(deliveries).toEqual([1, 1]);
  });

  it('drops a repeated msgId', async () => {
    const bus = await open();
    await bus.publishDurable(`${t.push}.u1.d1`, { v: 'first' }, { msgId: `${t.ns}-same` });
    await bus.publishDurable(`${t.push}.u1.d1`, { v: 'again' }, { msgId: `${t.ns}-same` });
    await bus.publishDurable(`${t.push}.u1.d1`, { v: 'other' }, { msgId: `${t.ns}-other` });
    const got = collector();
    await bus.consumeDurable(`${t.push}.>`, `c-${t.ns}`, got.handler);

    await eventually(() => expect(got.received).toHaveLength(2));
    expect(got.data()).toEqual([{ v: 'first' }, { v: 'other' }]);
  });

  it('gives every durable name every message, filtered by its pattern', async () => {
    const bus = await open();
    const all = collector();
    const u1 = collector();
    await bus.consumeDurable(`${t.push}.>`, `all-${t.ns}`, all.handler);
    await bus.consumeDurable(`${t.push}.u1.*`, `u1-${t.ns}`, u1.handler);
    await bus.publishDurable(`${t.push}.u2.d1`, 'u2', { msgId: `${t.ns}-1` });
    await bus.publishDurable(`${t.push}.u1.d1`, 'u1', { msgId: `${t.ns}-2` });

    await eventually(() => {
      expect(all.data()).toEqual(['u2', 'u1']);
      expect(u1.data()).toEqual(['u1']);
    });
  });

  it('resumes a re-created consumer after the messages it acked', async () => {
    const bus = await open();
    const name = `c-${t.ns}`;
    const first = collector();
    const subscription = await bus.consumeDurable(`${t.push}.>`, name, first.handler);
    await bus.publishDurable(`${t.push}.u1.d1`, 'a', { msgId: `${t.ns}-a` });
    await bus.publishDurable(`${t.push}.u1.d1`, 'b', { msgId: `${t.ns}-b` });
    await eventually(() => expect(first.data()).toEqual(['a', 'b']));
    subscription.unsubscribe();

    await bus.publishDurable(`${t.push}.u1.d1`, 'c', { msgId: `${t.ns}-c` });
    await bus.publishDurable(`${t.push}.u1.d1`, 'd', { msgId: `${t.ns}-d` });
    const second = collector();
    await bus.consumeDurable(`${t.push}.>`, name, second.handler);
    await bus.publishDurable(`${t.push}.u1.d1`, 'e', { msgId: `${t.ns}-e` });

    // In order: a consumer that started over would have shown 'a' and 'b' before 'e'.
    await eventually(() => expect(second.data()).toContain('e'));
    expect(second.data()).toEqual(['c', 'd', 'e']);
    expect(first.data()).toEqual(['a', 'b']);
  });

  it('refuses to re-attach a durable name with another pattern', async () => {
    const bus = await open();
    await bus.consumeDurable(`${t.push}.a.>`, `c-${t.ns}`, () => undefined);
    await expect(
      bus.consumeDurable(`${t.push}.b.>`, `c-${t.ns}`, () => undefined),
    ).rejects.toBeInstanceOf(DurableConsumerConflictError);
  });

  itWithSharedBroker('resumes a consumer of the same name on a new bus (a restart)', async () => {
    const name = `c-${t.ns}`;
    const before = await open();
    const first = collector();
    await before.consumeDurable(`${t.push}.>`, name, first.handler);
    await before.publishDurable(`${t.push}.u1.d1`, 'a', { msgId: `${t.ns}-a` });
    await eventually(() => expect(first.data()).toEqual(['a']));
    await before.close();

    const after = await open();
    await after.publishDurable(`${t.push}.u1.d1`, 'b', { msgId: `${t.ns}-b` });
    const second = collector();
    await after.consumeDurable(`${t.push}.>`, name, second.handler);
    await after.publishDurable(`${t.push}.u1.d1`, 'c', { msgId: `${t.ns}-c` });

    await eventually(() => expect(second.data()).toContain('c'));
    expect(second.data()).toEqual(['b', 'c']);
  });

  itWithSharedBroker('lets several buses start at once and talk to each other', async () => {
    const [publisher, consumer] = await Promise.all([open(), open(), open()]);
    const got = collector();
    await consumer?.consumeDurable(`${t.push}.>`, `c-${t.ns}`, got.handler);
    await publisher?.publishDurable(`${t.push}.u1.d1`, 'hello', { msgId: `${t.ns}-1` });

    await eventually(() => expect(got.data()).toEqual(['hello']));
  });
});
