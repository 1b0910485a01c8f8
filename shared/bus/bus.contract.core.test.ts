/** The bus contract, delivery, wildcards, headers, ordering and subject checks: run against every implementation (see bus.contract.harness.ts). */
import { expect, it } from '@jest/globals';
import { InvalidSubjectError, NotDurableSubjectError } from './index.js';
import { describeBusContract, collector, eventually, runId } from './bus.contract.harness.js';

describeBusContract('core', (t) => {
  const { open, errors, errorKinds } = t;
  it('delivers to an exact subscriber, and only what matches', async () => {
    const bus = await open();
    const got = collector();
    bus.subscribe(`${t.core}.mailbox.u1.d1`, got.handler);
    await bus.publish(`${t.core}.mailbox.u1.d2`, { n: 0 });
    await bus.publish(`${t.core}.mailbox.u1.d1`, { n: 1, at: new Date(0) });

    // Delivery keeps publish order, so the earlier non-matching message would be here by now.
    await eventually(() => expect(got.received).toHaveLength(1));
    expect(got.received).toEqual([
      { subject: `${t.core}.mailbox.u1.d1`, data: { n: 1, at: '1970-01-01T00:00:00.000Z' } },
    ]);
  });

  it('matches `*` to one token and `>` to one or more', async () => {
    const bus = await open();
    const star = collector();
    const tail = collector();
    bus.subscribe(`${t.core}.typing.*`, star.handler);
    bus.subscribe(`${t.core}.presence.>`, tail.handler);
    await bus.publish(`${t.core}.typing.c1.extra`, 'not for *: two tokens');
    await bus.publish(`${t.core}.presence`, 'not for >: no token');
    await bus.publish(`${t.core}.typing.c1`, 'typing');
    await bus.publish(`${t.core}.presence.u1.d1.x`, 'presence');

    await eventually(() => {
      expect(star.data()).toEqual(['typing']);
      expect(tail.data()).toEqual(['presence']);
    });
    expect(star.received[0]?.subject).toBe(`${t.core}.typing.c1`);
  });

  it('never runs a handler inside publish', async () => {
    const bus = await open();
    const calledInsidePublish: boolean[] = [];
    let insidePublish = false;
    bus.subscribe(`${t.core}.typing.c1`, () => {
      calledInsidePublish.push(insidePublish);
    });
    insidePublish = true;
    const published = bus.publish(`${t.core}.typing.c1`, 1);
    insidePublish = false;
    await published;

    await eventually(() => expect(calledInsidePublish).toEqual([false]));
  });

  it('stops delivery at once on unsubscribe', async () => {
    const bus = await open();
    const gone = collector();
    const witness = collector();
    const subject = `${t.core}.presence.u1`;
    const subscription = bus.subscribe(subject, gone.handler);
    bus.subscribe(subject, witness.handler);

    await bus.publish(subject, 1);
    await eventually(() => expect(gone.data()).toEqual([1]));
    await bus.publish(subject, 2);
    subscription.unsubscribe(); // before message 2 is delivered
    subscription.unsubscribe();
    await bus.publish(subject, 3);

    await eventually(() => expect(witness.data()).toEqual([1, 2, 3]));
    expect(gone.data()).toEqual([1]);
  });

  it('reports a throwing handler and keeps delivering to it and to the others', async () => {
    const bus = await open();
    const good = collector();
    let calls = 0;
    bus.subscribe(`${t.core}.typing.c1`, () => {
      calls += 1;
      throw new Error('sync failure');
    });
    bus.subscribe(`${t.core}.typing.c1`, async () => {
      calls += 1;
      throw new Error('async failure');
    });
    bus.subscribe(`${t.core}.typing.c1`, good.handler);

    await bus.publish(`${t.core}.typing.c1`, 1);
    await bus.publish(`${t.core}.typing.c1`, 2);

    await eventually(() => {
      expect(good.data()).toEqual([1, 2]);
      expect(errorKinds()).toEqual(['handler', 'handler', 'handler', 'handler']);
    });
    expect(calls).toBe(4);
    expect(errors[0]?.context.subject).toBe(`${t.core}.typing.c1`);
  });

  it('lets core subscribers see durable publishes too, with their msgId', async () => {
    const bus = await open();
    const got = collector();
    bus.subscribe(`${runId}.device.revoked.${t.ns}.*`, got.handler);
    await bus.publishDurable(
      `${runId}.device.revoked.${t.ns}.u1`,
      { u: 1 },
      { msgId: `${t.ns}-1` },
    );

    await eventually(() =>
      expect(got.received).toEqual([
        { subject: `${runId}.device.revoked.${t.ns}.u1`, data: { u: 1 }, msgId: `${t.ns}-1` },
      ]),
    );
  });

  it("carries the publisher's headers to core subscribers and durable consumers", async () => {
    const bus = await open();
    const headers = { traceparent: `00-${'1'.repeat(32)}-${'2'.repeat(16)}-01` };
    const live = collector();
    bus.subscribe(`${t.core}.h`, live.handler);
    await bus.publish(`${t.core}.h`, { n: 1 }, { headers });
    await bus.publish(`${t.core}.h`, { n: 2 });
    await bus.publishDurable(`${t.push}.u1.d1`, { n: 3 }, { msgId: `${t.ns}-h`, headers });
    const durable = collector();
    await bus.consumeDurable(`${t.push}.>`, `h-${t.ns}`, durable.handler);

    await eventually(() => expect(live.received).toHaveLength(2));
    expect(live.received.map((message) => message.headers)).toEqual([headers, undefined]);
    await eventually(() => expect(durable.received).toHaveLength(1));
    // toMatchObject: a JetStream delivery also says how many messages are left (`pending`).
    expect(durable.received[0]).toMatchObject({
      subject: `${t.push}.u1.d1`,
      data: { n: 3 },
      msgId: `${t.ns}-h`,
      headers,
    });
  });

  it('refuses malformed subjects, payloads and non-durable subjects', async () => {
    const bus = await open();
    await expect(bus.publish(`${t.core}.*`, 1)).rejects.toBeInstanceOf(InvalidSubjectError);
    await expect(bus.publish(`${t.core}..x`, 1)).rejects.toBeInstanceOf(InvalidSubjectError);
    expect(() => bus.subscribe(`${t.core}.>.x`, () => undefined)).toThrow(InvalidSubjectError);
    await expect(bus.publish(`${t.core}.x`, undefined)).rejects.toBeInstanceOf(TypeError);
    await expect(
      bus.publishDurable(`${t.core}.mailbox.u1.d1`, 1, { msgId: `${t.ns}-1` }),
    ).rejects.toBeInstanceOf(NotDurableSubjectError);
    await expect(bus.publishDurable(`${t.push}.u1`, 1, { msgId: '' })).rejects.toBeInstanceOf(
      TypeError,
    );
    await expect(
      bus.consumeDurable(`${runId}.>`, `c-${t.ns}`, () => undefined),
    ).rejects.toBeInstanceOf(NotDurableSubjectError);
  });
});
