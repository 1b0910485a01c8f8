/**
 * The bus contract, run against every implementation. The NATS run needs a server with JetStream
 * (GUARDYN_MESSAGING__NATS_URL, default nats://127.0.0.1:4222): without one it is skipped, or
 * fails when CI is set. It isolates itself on a shared server with a stream and subject prefix of
 * its own (deleted at the end), and a subject namespace per test.
 */
import { afterAll, afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import { randomUUID } from 'node:crypto';
import {
  BusClosedError,
  DurableConsumerConflictError,
  InvalidSubjectError,
  NotDurableSubjectError,
  createInProcessBus,
  createNatsBus,
  type BusErrorContext,
  type BusMessage,
  type BusOptions,
  type EventBus,
} from './index.js';
import { jetStreamErrorCode } from './nats-jetstream.js';
import { probeNats } from '../../test/support/nats-probe.js';
import { connect } from 'nats';

const natsUrl = process.env.GUARDYN_MESSAGING__NATS_URL ?? 'nats://127.0.0.1:4222';
const runId = `t${randomUUID().slice(0, 8)}`;
const streamName = `TEST_${runId}`;
const durableSubjects = [`${runId}.push.>`, `${runId}.device.revoked.>`];

const natsUnavailable = await probeNats(natsUrl);
if (natsUnavailable !== undefined) {
  process.stderr.write(`bus.contract: skipping the NATS bus: ${natsUnavailable}\n`);
}

interface Implementation {
  readonly name: string;
  readonly skipReason: string | undefined;
  /** Buses it opens share one broker, whose durable state outlives a bus. */
  readonly sharedBroker: boolean;
  open(options: BusOptions): Promise<EventBus>;
  cleanup(): Promise<void>;
}

const implementations: readonly Implementation[] = [
  {
    name: 'in-process',
    skipReason: undefined,
    sharedBroker: false,
    open: async (options) => createInProcessBus(options),
    cleanup: async () => undefined,
  },
  {
    name: 'nats',
    skipReason: natsUnavailable,
    sharedBroker: true,
    open: (options) =>
      createNatsBus({ url: natsUrl, streamName, name: `bus-contract-${runId}`, ...options }),
    async cleanup() {
      const nc = await connect({ servers: natsUrl, timeout: 2_000, reconnect: false });
      try {
        await (await nc.jetstreamManager()).streams.delete(streamName);
      } catch (error) {
        if (jetStreamErrorCode(error) !== 10059) throw error; // stream not found: never created
      } finally {
        await nc.close();
      }
    },
  },
];

/** Retries an assertion until it passes or the deadline is reached (then its failure is thrown). */
async function eventually(assertion: () => void, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      assertion();
      return;
    } catch (error) {
      if (Date.now() > deadline) throw error;
    }
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

/** A handler that records what it receives. */
function collector() {
  const received: BusMessage[] = [];
  return {
    received,
    handler: (message: BusMessage): void => {
      received.push(message);
    },
    data: (): unknown[] => received.map((message) => message.data),
  };
}

function contract(implementation: Implementation): void {
  const buses: EventBus[] = [];
  const errors: { error: unknown; context: BusErrorContext }[] = [];
  /** Subject namespace of the current test: core subjects under `core`, durable under `push`. */
  let ns = '';
  let core = '';
  let push = '';

  async function open(overrides: Partial<BusOptions> = {}): Promise<EventBus> {
    const bus = await implementation.open({
      durableSubjects,
      retry: { initialMs: 20, maxMs: 200 },
      onError: (error, context) => errors.push({ error, context }),
      ...overrides,
    });
    buses.push(bus);
    return bus;
  }

  const errorKinds = (): string[] => errors.map(({ context }) => context.kind);
  const itWithSharedBroker = implementation.sharedBroker ? it : it.skip;

  beforeEach(() => {
    ns = randomUUID().slice(0, 8);
    core = `${runId}.${ns}`;
    push = `${runId}.push.${ns}`;
  });

  afterEach(async () => {
    await Promise.all(buses.splice(0).map((bus) => bus.close()));
    errors.length = 0;
  });

  afterAll(() => implementation.cleanup());

  describe('core', () => {
    it('delivers to an exact subscriber, and only what matches', async () => {
      const bus = await open();
      const got = collector();
      bus.subscribe(`${core}.mailbox.u1.d1`, got.handler);
      await bus.publish(`${core}.mailbox.u1.d2`, { n: 0 });
      await bus.publish(`${core}.mailbox.u1.d1`, { n: 1, at: new Date(0) });

      // Delivery keeps publish order, so the earlier non-matching message would be here by now.
      await eventually(() => expect(got.received).toHaveLength(1));
      expect(got.received).toEqual([
        { subject: `${core}.mailbox.u1.d1`, data: { n: 1, at: '1970-01-01T00:00:00.000Z' } },
      ]);
    });

    it('matches `*` to one token and `>` to one or more', async () => {
      const bus = await open();
      const star = collector();
      const tail = collector();
      bus.subscribe(`${core}.typing.*`, star.handler);
      bus.subscribe(`${core}.presence.>`, tail.handler);
      await bus.publish(`${core}.typing.c1.extra`, 'not for *: two tokens');
      await bus.publish(`${core}.presence`, 'not for >: no token');
      await bus.publish(`${core}.typing.c1`, 'typing');
      await bus.publish(`${core}.presence.u1.d1.x`, 'presence');

      await eventually(() => {
        expect(star.data()).toEqual(['typing']);
        expect(tail.data()).toEqual(['presence']);
      });
      expect(star.received[0]?.subject).toBe(`${core}.typing.c1`);
    });

    it('never runs a handler inside publish', async () => {
      const bus = await open();
      const calledInsidePublish: boolean[] = [];
      let insidePublish = false;
      bus.subscribe(`${core}.typing.c1`, () => {
        calledInsidePublish.push(insidePublish);
      });
      insidePublish = true;
      const published = bus.publish(`${core}.typing.c1`, 1);
      insidePublish = false;
      await published;

      await eventually(() => expect(calledInsidePublish).toEqual([false]));
    });

    it('stops delivery at once on unsubscribe', async () => {
      const bus = await open();
      const gone = collector();
      const witness = collector();
      const subject = `${core}.presence.u1`;
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
      bus.subscribe(`${core}.typing.c1`, () => {
        calls += 1;
        throw new Error('sync failure');
      });
      bus.subscribe(`${core}.typing.c1`, async () => {
        calls += 1;
        throw new Error('async failure');
      });
      bus.subscribe(`${core}.typing.c1`, good.handler);

      await bus.publish(`${core}.typing.c1`, 1);
      await bus.publish(`${core}.typing.c1`, 2);

      await eventually(() => {
        expect(good.data()).toEqual([1, 2]);
        expect(errorKinds()).toEqual(['handler', 'handler', 'handler', 'handler']);
      });
      expect(calls).toBe(4);
      expect(errors[0]?.context.subject).toBe(`${core}.typing.c1`);
    });

    it('lets core subscribers see durable publishes too, with their msgId', async () => {
      const bus = await open();
      const got = collector();
      bus.subscribe(`${runId}.device.revoked.${ns}.*`, got.handler);
      await bus.publishDurable(`${runId}.device.revoked.${ns}.u1`, { u: 1 }, { msgId: `${ns}-1` });

      await eventually(() =>
        expect(got.received).toEqual([
          { subject: `${runId}.device.revoked.${ns}.u1`, data: { u: 1 }, msgId: `${ns}-1` },
        ]),
      );
    });

    it("carries the publisher's headers to core subscribers and durable consumers", async () => {
      const bus = await open();
      const headers = { traceparent: `00-${'1'.repeat(32)}-${'2'.repeat(16)}-01` };
      const live = collector();
      bus.subscribe(`${core}.h`, live.handler);
      await bus.publish(`${core}.h`, { n: 1 }, { headers });
      await bus.publish(`${core}.h`, { n: 2 });
      await bus.publishDurable(`${push}.u1.d1`, { n: 3 }, { msgId: `${ns}-h`, headers });
      const durable = collector();
      await bus.consumeDurable(`${push}.>`, `h-${ns}`, durable.handler);

      await eventually(() => expect(live.received).toHaveLength(2));
      expect(live.received.map((message) => message.headers)).toEqual([headers, undefined]);
      await eventually(() => expect(durable.received).toHaveLength(1));
      // toMatchObject: a JetStream delivery also says how many messages are left (`pending`).
      expect(durable.received[0]).toMatchObject({
        subject: `${push}.u1.d1`,
        data: { n: 3 },
        msgId: `${ns}-h`,
        headers,
      });
    });

    it('refuses malformed subjects, payloads and non-durable subjects', async () => {
      const bus = await open();
      await expect(bus.publish(`${core}.*`, 1)).rejects.toBeInstanceOf(InvalidSubjectError);
      await expect(bus.publish(`${core}..x`, 1)).rejects.toBeInstanceOf(InvalidSubjectError);
      expect(() => bus.subscribe(`${core}.>.x`, () => undefined)).toThrow(InvalidSubjectError);
      await expect(bus.publish(`${core}.x`, undefined)).rejects.toBeInstanceOf(TypeError);
      await expect(
        bus.publishDurable(`${core}.mailbox.u1.d1`, 1, { msgId: `${ns}-1` }),
      ).rejects.toBeInstanceOf(NotDurableSubjectError);
      await expect(bus.publishDurable(`${push}.u1`, 1, { msgId: '' })).rejects.toBeInstanceOf(
        TypeError,
      );
      await expect(
        bus.consumeDurable(`${runId}.>`, `c-${ns}`, () => undefined),
      ).rejects.toBeInstanceOf(NotDurableSubjectError);
    });
  });

  describe('durable', () => {
    it('keeps messages for a consumer created later and delivers them in order', async () => {
      const bus = await open();
      for (const n of [1, 2, 3, 4, 5]) {
        await bus.publishDurable(`${push}.u${n % 2}.d1`, { n }, { msgId: `${ns}-${n}` });
      }
      const got = collector();
      await bus.consumeDurable(`${push}.>`, `c-${ns}`, got.handler);

      await eventually(() => expect(got.received).toHaveLength(5));
      expect(got.data()).toEqual([{ n: 1 }, { n: 2 }, { n: 3 }, { n: 4 }, { n: 5 }]);
      expect(got.received.map((message) => message.msgId)).toEqual(
        [1, 2, 3, 4, 5].map((n) => `${ns}-${n}`),
      );
      expect(got.received[0]?.subject).toBe(`${push}.u1.d1`);
    });

    it('redelivers a message whose handler threw, without holding up the others', async () => {
      const bus = await open();
      const deliveries: number[] = [];
      let failed = false;
      await bus.consumeDurable(`${push}.>`, `c-${ns}`, (message) => {
        const { n } = message.data as { n: number };
        deliveries.push(n);
        if (n === 1 && !failed) {
          failed = true;
          throw new Error('transient');
        }
      });
      await bus.publishDurable(`${push}.u1.d1`, { n: 1 }, { msgId: `${ns}-1` });
      await bus.publishDurable(`${push}.u1.d1`, { n: 2 }, { msgId: `${ns}-2` });

      await eventually(() => expect([...deliveries].sort()).toEqual([1, 1, 2]));
      expect(errors).toHaveLength(1);
      expect(errors[0]?.context).toEqual({
        kind: 'durable-handler',
        subject: `${push}.u1.d1`,
        durableName: `c-${ns}`,
        deliveryCount: 1,
      });
      // Acked at last: a later message arrives and the first is not delivered a third time.
      await bus.publishDurable(`${push}.u1.d1`, { n: 3 }, { msgId: `${ns}-3` });
      await eventually(() => expect(deliveries).toContain(3));
      expect(deliveries.filter((n) => n === 1)).toHaveLength(2);
    });

    it('gives a message up after maxDeliver failed deliveries', async () => {
      const bus = await open({ maxDeliver: 2 });
      const deliveries: number[] = [];
      await bus.consumeDurable(`${push}.>`, `c-${ns}`, (message) => {
        deliveries.push((message.data as { n: number }).n);
        throw new Error('permanent');
      });
      await bus.publishDurable(`${push}.u1.d1`, { n: 1 }, { msgId: `${ns}-1` });

      await eventually(() => expect(errorKinds()).toEqual(['durable-handler', 'durable-gave-up']));
      expect(errors[1]?.context.deliveryCount).toBe(2);
      expect(deliveries).toEqual([1, 1]);
    });

    it('drops a repeated msgId', async () => {
      const bus = await open();
      await bus.publishDurable(`${push}.u1.d1`, { v: 'first' }, { msgId: `${ns}-same` });
      await bus.publishDurable(`${push}.u1.d1`, { v: 'again' }, { msgId: `${ns}-same` });
      await bus.publishDurable(`${push}.u1.d1`, { v: 'other' }, { msgId: `${ns}-other` });
      const got = collector();
      await bus.consumeDurable(`${push}.>`, `c-${ns}`, got.handler);

      await eventually(() => expect(got.received).toHaveLength(2));
      expect(got.data()).toEqual([{ v: 'first' }, { v: 'other' }]);
    });

    it('gives every durable name every message, filtered by its pattern', async () => {
      const bus = await open();
      const all = collector();
      const u1 = collector();
      await bus.consumeDurable(`${push}.>`, `all-${ns}`, all.handler);
      await bus.consumeDurable(`${push}.u1.*`, `u1-${ns}`, u1.handler);
      await bus.publishDurable(`${push}.u2.d1`, 'u2', { msgId: `${ns}-1` });
      await bus.publishDurable(`${push}.u1.d1`, 'u1', { msgId: `${ns}-2` });

      await eventually(() => {
        expect(all.data()).toEqual(['u2', 'u1']);
        expect(u1.data()).toEqual(['u1']);
      });
    });

    it('resumes a re-created consumer after the messages it acked', async () => {
      const bus = await open();
      const name = `c-${ns}`;
      const first = collector();
      const subscription = await bus.consumeDurable(`${push}.>`, name, first.handler);
      await bus.publishDurable(`${push}.u1.d1`, 'a', { msgId: `${ns}-a` });
      await bus.publishDurable(`${push}.u1.d1`, 'b', { msgId: `${ns}-b` });
      await eventually(() => expect(first.data()).toEqual(['a', 'b']));
      subscription.unsubscribe();

      await bus.publishDurable(`${push}.u1.d1`, 'c', { msgId: `${ns}-c` });
      await bus.publishDurable(`${push}.u1.d1`, 'd', { msgId: `${ns}-d` });
      const second = collector();
      await bus.consumeDurable(`${push}.>`, name, second.handler);
      await bus.publishDurable(`${push}.u1.d1`, 'e', { msgId: `${ns}-e` });

      // In order: a consumer that started over would have shown 'a' and 'b' before 'e'.
      await eventually(() => expect(second.data()).toContain('e'));
      expect(second.data()).toEqual(['c', 'd', 'e']);
      expect(first.data()).toEqual(['a', 'b']);
    });

    it('refuses to re-attach a durable name with another pattern', async () => {
      const bus = await open();
      await bus.consumeDurable(`${push}.a.>`, `c-${ns}`, () => undefined);
      await expect(
        bus.consumeDurable(`${push}.b.>`, `c-${ns}`, () => undefined),
      ).rejects.toBeInstanceOf(DurableConsumerConflictError);
    });

    itWithSharedBroker('resumes a consumer of the same name on a new bus (a restart)', async () => {
      const name = `c-${ns}`;
      const before = await open();
      const first = collector();
      await before.consumeDurable(`${push}.>`, name, first.handler);
      await before.publishDurable(`${push}.u1.d1`, 'a', { msgId: `${ns}-a` });
      await eventually(() => expect(first.data()).toEqual(['a']));
      await before.close();

      const after = await open();
      await after.publishDurable(`${push}.u1.d1`, 'b', { msgId: `${ns}-b` });
      const second = collector();
      await after.consumeDurable(`${push}.>`, name, second.handler);
      await after.publishDurable(`${push}.u1.d1`, 'c', { msgId: `${ns}-c` });

      await eventually(() => expect(second.data()).toContain('c'));
      expect(second.data()).toEqual(['b', 'c']);
    });

    itWithSharedBroker('lets several buses start at once and talk to each other', async () => {
      const [publisher, consumer] = await Promise.all([open(), open(), open()]);
      const got = collector();
      await consumer?.consumeDurable(`${push}.>`, `c-${ns}`, got.handler);
      await publisher?.publishDurable(`${push}.u1.d1`, 'hello', { msgId: `${ns}-1` });

      await eventually(() => expect(got.data()).toEqual(['hello']));
    });
  });

  describe('close', () => {
    it('is idempotent, and the bus refuses work afterwards', async () => {
      const bus = await open();
      const first = bus.close();
      expect(bus.close()).toBe(first);
      await first;
      await bus.close();

      await expect(bus.publish(`${core}.x`, 1)).rejects.toBeInstanceOf(BusClosedError);
      expect(() => bus.subscribe(`${core}.x`, () => undefined)).toThrow(BusClosedError);
      await expect(
        bus.publishDurable(`${push}.u1.d1`, 1, { msgId: `${ns}-1` }),
      ).rejects.toBeInstanceOf(BusClosedError);
      await expect(
        bus.consumeDurable(`${push}.>`, `c-${ns}`, () => undefined),
      ).rejects.toBeInstanceOf(BusClosedError);
    });

    it('waits for a running durable handler, whose message is then acked', async () => {
      const bus = await open();
      const events: string[] = [];
      let release = (): void => undefined;
      const gate = new Promise<void>((resolve) => (release = resolve));
      await bus.consumeDurable(`${push}.>`, `c-${ns}`, async () => {
        events.push('started');
        await gate;
        events.push('handled');
      });
      await bus.publishDurable(`${push}.u1.d1`, 1, { msgId: `${ns}-1` });
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
      await after.consumeDurable(`${push}.>`, `c-${ns}`, got.handler);
      await after.publishDurable(`${push}.u1.d1`, 2, { msgId: `${ns}-2` });
      await eventually(() => expect(got.data()).toContain(2));
      expect(got.data()).toEqual([2]);
    });
  });
}

describe.each(implementations.filter(({ skipReason }) => skipReason === undefined))(
  '$name event bus',
  contract,
);

for (const implementation of implementations.filter(({ skipReason }) => skipReason)) {
  describe.skip(`${implementation.name} event bus (skipped: ${implementation.skipReason})`, () =>
    contract(implementation));
}
