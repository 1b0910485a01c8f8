/**
 * What the NATS adapter leaves on the server, beyond the contract (bus.contract.*.test.ts): acks,
 * and updates of an existing stream or consumer. Skipped without a NATS server, failing when CI
 * is set, like the contract suite. Streams are unique per test and deleted after it.
 */
import { afterEach, describe, expect, it } from '@jest/globals';
import { randomUUID } from 'node:crypto';
import { connect, type JetStreamManager, type NatsConnection } from 'nats';
import { DurableConsumerConflictError, type BusMessage, type EventBus } from './event-bus.js';
import { jetStreamErrorCode } from './nats-jetstream.js';
import { createNatsBus, type NatsBusOptions } from './nats.js';
import { probeNats } from '../../test/support/nats-probe.js';

const natsUrl = process.env.GUARDYN_MESSAGING__NATS_URL ?? 'nats://127.0.0.1:4222';
const runId = `n${randomUUID().slice(0, 8)}`;

const natsUnavailable = await probeNats(natsUrl);
if (natsUnavailable !== undefined) {
  process.stderr.write(`nats.test: skipping: ${natsUnavailable}\n`);
}

async function eventually(assertion: () => Promise<void> | void, timeoutMs = 10_000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      await assertion();
      return;
    } catch (error) {
      if (Date.now() > deadline) throw error;
    }
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

const describeWithNats = natsUnavailable === undefined ? describe : describe.skip.bind(describe);

describeWithNats(
  `NATS bus on the server${natsUnavailable ? ` (skipped: ${natsUnavailable})` : ''}`,
  () => {
    const buses: EventBus[] = [];
    const streams: string[] = [];
    let admin: NatsConnection | undefined;

    async function jsm(): Promise<JetStreamManager> {
      admin ??= await connect({ servers: natsUrl });
      return admin.jetstreamManager();
    }

    /** A stream and subject prefix of the test's own. */
    function isolated() {
      const id = randomUUID().slice(0, 8);
      const stream = `TEST_${runId}_${id}`;
      streams.push(stream);
      return { stream, prefix: `${runId}.${id}` };
    }

    async function open(options: Omit<NatsBusOptions, 'url'>): Promise<EventBus> {
      const bus = await createNatsBus({
        url: natsUrl,
        retry: { initialMs: 20, maxMs: 200 },
        ...options,
      });
      buses.push(bus);
      return bus;
    }

    afterEach(async () => {
      await Promise.all(buses.splice(0).map((bus) => bus.close()));
      const manager = await jsm();
      for (const stream of streams.splice(0)) {
        await manager.streams.delete(stream).catch((error: unknown) => {
          if (jetStreamErrorCode(error) !== 10059) throw error; // never created
        });
      }
      await admin?.close();
      admin = undefined;
    });

    it('acks on the server what the handler settled', async () => {
      const { stream, prefix } = isolated();
      const bus = await open({ streamName: stream, durableSubjects: [`${prefix}.push.>`] });
      const received: BusMessage[] = [];
      let failedOnce = false;
      await bus.consumeDurable(`${prefix}.push.>`, 'acker', (message) => {
        received.push(message);
        if (message.data === 2 && !failedOnce) {
          failedOnce = true;
          throw new Error('transient');
        }
      });
      for (const n of [1, 2, 3]) {
        await bus.publishDurable(`${prefix}.push.u1`, n, { msgId: `m${n}` });
      }

      await eventually(async () => {
        const info = await (await jsm()).consumers.info(stream, 'acker');
        expect(info.ack_floor.stream_seq).toBe(3);
        expect(info.num_ack_pending).toBe(0);
        expect(info.num_pending).toBe(0);
      });
      expect(received.map((message) => message.data).sort()).toEqual([1, 2, 2, 3]);
    });

    it('brings an existing stream to the configured subjects and duplicate window', async () => {
      const { stream, prefix } = isolated();
      await open({ streamName: stream, durableSubjects: [`${prefix}.a.>`] });
      const bus = await open({
        streamName: stream,
        durableSubjects: [`${prefix}.a.>`, `${prefix}.b.>`],
        duplicateWindowMs: 30_000,
      });

      const info = await (await jsm()).streams.info(stream);
      expect(info.config.subjects).toEqual([`${prefix}.a.>`, `${prefix}.b.>`]);
      expect(info.config.duplicate_window).toBe(30_000 * 1_000_000);
      await bus.publishDurable(`${prefix}.b.x`, 'stored', { msgId: 'b1' });
      expect((await (await jsm()).streams.info(stream)).state.messages).toBe(1);
    });

    it('refuses an existing durable consumer another filter, leaving it as it was', async () => {
      const { stream, prefix } = isolated();
      const bus = await open({ streamName: stream, durableSubjects: [`${prefix}.push.>`] });
      const first = await bus.consumeDurable(`${prefix}.push.a.>`, 'keeper', () => undefined);
      first.unsubscribe();

      await expect(
        bus.consumeDurable(`${prefix}.push.b.>`, 'keeper', () => undefined),
      ).rejects.toBeInstanceOf(DurableConsumerConflictError);
      const info = await (await jsm()).consumers.info(stream, 'keeper');
      expect(info.config.filter_subject).toBe(`${prefix}.push.a.>`);
    });

    it('updates the ack wait and max deliver of an existing durable consumer', async () => {
      const { stream, prefix } = isolated();
      const options = { streamName: stream, durableSubjects: [`${prefix}.push.>`] };
      const before = await open({ ...options, ackWaitMs: 30_000, maxDeliver: 5 });
      (await before.consumeDurable(`${prefix}.push.>`, 'tuned', () => undefined)).unsubscribe();
      const after = await open({ ...options, ackWaitMs: 10_000, maxDeliver: 7 });
      await after.consumeDurable(`${prefix}.push.>`, 'tuned', () => undefined);

      const info = await (await jsm()).consumers.info(stream, 'tuned');
      expect(info.config.ack_wait).toBe(10_000 * 1_000_000);
      expect(info.config.max_deliver).toBe(7);
    });

    it('keeps namespaces apart on one server, core and durable, with the bus API unchanged', async () => {
      const [one, two] = [
        `${runId}a${randomUUID().slice(0, 6)}`,
        `${runId}b${randomUUID().slice(0, 6)}`,
      ];
      streams.push(`GUARDYN_${one}`, `GUARDYN_${two}`);
      const [a, aToo, b] = [
        await open({ namespace: one }),
        await open({ namespace: one }),
        await open({ namespace: two }),
      ];
      const seenByA: BusMessage[] = [];
      const seenByB: BusMessage[] = [];
      aToo.subscribe('guardyn.typing.*', (message) => void seenByA.push(message));
      b.subscribe('guardyn.typing.*', (message) => void seenByB.push(message));
      const durableA: BusMessage[] = [];
      const durableB: BusMessage[] = [];
      await aToo.consumeDurable(
        'guardyn.push.>',
        'pusher',
        (message) => void durableA.push(message),
      );
      await b.consumeDurable('guardyn.push.>', 'pusher', (message) => void durableB.push(message));

      await a.publish('guardyn.typing.c1', { typing: true });
      await a.publishDurable('guardyn.push.u1.1', { envelopeId: 'e1' }, { msgId: 'e1' });
      await eventually(() => {
        expect(seenByA).toEqual([{ subject: 'guardyn.typing.c1', data: { typing: true } }]);
        // `pending`: JetStream's count of messages left for the consumer (its lag), none here.
        expect(durableA).toEqual([
          {
            subject: 'guardyn.push.u1.1',
            data: { envelopeId: 'e1' },
            msgId: 'e1',
            pending: 0,
            deliveryCount: 1,
          },
        ]);
      });
      await new Promise((resolve) => setTimeout(resolve, 100));
      expect(seenByB).toEqual([]);
      expect(durableB).toEqual([]);
    });
  },
);
