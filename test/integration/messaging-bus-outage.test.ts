/**
 * Issue 15, fix 2: a send whose envelopes are stored succeeds while NATS is down; its wake-ups
 * wait in the store's outbox and the relay publishes them when NATS is back. A private
 * nats-server (stopped and started by this file), the real SQLite store and the messaging parts
 * that send and wake (Delivery, wakeupEvents, WakeupRelay).
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import {
  BusUnavailableError,
  consumeEvent,
  createNatsBus,
  mailboxEvent,
  onEvent,
  pushEvent,
  type EventBus,
} from '../../shared/bus/index.js';
import { createLogger } from '../../shared/logging/index.js';
import { uuid7 } from '../../shared/ids/index.js';
import { Delivery } from '../../subgraphs/messaging/delivery.js';
import { SqliteMessagingStore } from '../../subgraphs/messaging/store.sqlite/index.js';
import { WakeupRelay } from '../../subgraphs/messaging/wakeup-relay.js';
import { wakeupEvents } from '../../subgraphs/messaging/wakeups.js';
import { until } from '../support/eventually.js';
import { startPrivateNats, type PrivateNats } from '../support/private-nats.js';

const logger = createLogger('silent', 'bus-outage-test');

describe('messaging sends while the bus is down', () => {
  let nats: PrivateNats;
  let bus: EventBus;
  let store: SqliteMessagingStore;
  let relay: WakeupRelay;
  const hinted = new Set<string>();
  const pushed = new Set<string>();

  beforeAll(async () => {
    nats = await startPrivateNats();
    bus = await createNatsBus({ url: nats.url, name: 'bus-outage-test' });
    store = new SqliteMessagingStore(':memory:');
    relay = new WakeupRelay(store, bus, logger, {
      idleMs: 100,
      failureBackoff: { initialMs: 100, maxMs: 500 },
    });
    onEvent(bus, mailboxEvent, ({ envelopeId }) => void hinted.add(envelopeId));
    await consumeEvent(bus, pushEvent, 'bus-outage-push', ({ envelopeId }) => {
      pushed.add(envelopeId);
    });
    relay.start();
  }, 30_000);

  afterAll(async () => {
    await relay?.stop();
    await bus?.close();
    await store?.close();
    await nats?.dispose();
  });

  it('stores and answers while NATS is stopped, and wakes the recipient once it is back', async () => {
    const delivery = new Delivery(store, wakeupEvents({ bus, outbox: store, logger }), {
      maxEnvelopeBytes: 1024,
      retentionMs: 3600_000,
      mailboxQuota: { maxEnvelopes: 100, maxBytes: 1 << 20 },
    });
    const sender = {
      userId: randomUUID(),
      deviceId: 1,
      sessionId: randomUUID(),
      expiresAt: new Date(Date.now() + 3600_000),
    };
    const recipient = { userId: randomUUID(), deviceId: 1 };
    const send = () => {
      const now = new Date();
      const message = { messageId: uuid7(now.getTime()), now };
      const envelope = delivery.envelope(message, recipient, 'SIGNAL_MESSAGE', new Uint8Array([1]));
      return delivery.storeAndAnnounce(sender, randomUUID(), message, [envelope]);
    };

    // Up: the wake-up goes out at once and nothing is kept.
    const before = await send();
    await until(
      () => pushed.size,
      (size) => size === 1,
      10_000,
    );
    expect(await store.keptWakeups(10, new Date())).toEqual([]);

    await nats.stop();
    // Once the client has seen the disconnect, a durable publish is refused without waiting.
    const probe = () =>
      bus.publishDurable('guardyn.push.probe.1', {}, { msgId: randomUUID(), timeoutMs: 200 }).then(
        () => 'published',
        (error: unknown) => (error instanceof BusUnavailableError ? 'unavailable' : 'timed out'),
      );
    expect(await until(probe, (outcome) => outcome === 'unavailable', 10_000)).toBe('unavailable');

    const during = await send();
    const { envelopes } = await store.readMailbox(recipient.userId, 1, null, 10, new Date());
    const stored = envelopes.find((envelope) => envelope.messageId === during.messageId);
    expect(stored).toBeDefined();
    const envelopeId = stored?.id ?? '';
    expect((await store.keptWakeups(10, new Date())).map((wakeup) => wakeup.envelopeId)).toEqual([
      envelopeId,
    ]);
    expect(pushed.has(envelopeId)).toBe(false);

    await nats.start();
    // The relay publishes it: the durable consumer and the socket hint both get it.
    await until(
      () => pushed.has(envelopeId) && hinted.has(envelopeId),
      (done) => done,
      30_000,
    );
    expect(pushed.has(envelopeId)).toBe(true);
    expect(hinted.has(envelopeId)).toBe(true);
    expect(
      await until(
        () => store.keptWakeups(10, new Date()),
        (kept) => kept.length === 0,
        10_000,
      ),
    ).toEqual([]);
    expect(before.messageId).not.toBe(during.messageId);
  }, 90_000);
});
