/**
 * Wake-up pushes survive what happens between attempts: the notification service acknowledges a
 * push event on JetStream only once the provider took the push (or it was given up), so the
 * event stays unacknowledged on the consumer while the provider answers 503, and a service that
 * stops during the retries leaves the event to the next one, which pushes exactly once. Runs the
 * notification service alone (distributed mode) on the real NATS, in a namespace of its own,
 * against the loopback APNs; skipped without NATS, failing under CI.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { connect, type ConsumerInfo, type NatsConnection } from 'nats';
import { startGuardyn, type Guardyn } from '../../main.js';
import {
  createNatsBus,
  publishDurableEvent,
  pushEvent,
  type EventBus,
} from '../../shared/bus/index.js';
import { loadConfig } from '../../shared/config/index.js';
import { SqliteNotificationStore } from '../../subgraphs/notification/store.sqlite.js';
import { eventually, until } from '../support/eventually.js';
import { deleteNatsNamespace } from '../support/nats-namespace.js';
import { natsTestUrl, probeNats } from '../support/nats-probe.js';
import {
  startLoopbackPushProviders,
  type LoopbackPushProviders,
} from '../support/push-providers/index.js';

const natsUnavailable = await probeNats();
const describeWithNats = natsUnavailable === undefined ? describe : describe.skip.bind(describe);

const namespace = `acks${randomBytes(5).toString('hex')}`;
const pushConsumer = 'notification-push';
const unavailable = { status: 503, reason: 'ServiceUnavailable' };

describeWithNats(`push acks on JetStream${natsUnavailable ? ` (skipped)` : ''}`, () => {
  let providers: LoopbackPushProviders;
  let dataDir: string;
  let messagingBus: EventBus;
  let admin: NatsConnection;
  let notification: Guardyn | undefined;

  /** The notification service alone, on the namespace's bus, its store in `dataDir`. */
  async function startNotification(): Promise<Guardyn> {
    const config = loadConfig({
      GUARDYN_SERVICE_NAME: 'notification',
      GUARDYN_DATA_DIR: dataDir,
      GUARDYN_OBSERVABILITY__LOG_LEVEL: 'silent',
      GUARDYN_MESSAGING__NATS_URL: natsTestUrl,
      GUARDYN_MESSAGING__NATS_NAMESPACE: namespace,
      ...providers.env,
    });
    notification = await startGuardyn(config, { ephemeralPorts: true });
    return notification;
  }

  /** A device with an APNs token in the service's store. */
  async function deviceWithToken() {
    const store = new SqliteNotificationStore(path.join(dataDir, 'notification.sqlite'));
    try {
      const device = { userId: randomUUID(), deviceId: 1, platform: 'APNS' as const };
      const token = randomBytes(32).toString('hex');
      await store.register({ ...device, token }, new Date());
      return { ...device, token };
    } finally {
      await store.close();
    }
  }

  const consumer = async (): Promise<ConsumerInfo> =>
    (await admin.jetstreamManager()).consumers.info(`GUARDYN_${namespace}`, pushConsumer);

  /** The stream sequence of the event published now (what messaging does for an envelope). */
  async function publishPush(device: { userId: string; deviceId: number }): Promise<number> {
    await publishDurableEvent(
      messagingBus,
      pushEvent,
      { ...device, envelopeId: randomUUID() },
      { msgId: randomUUID() },
    );
    const info = await (await admin.jetstreamManager()).streams.info(`GUARDYN_${namespace}`);
    return info.state.last_seq;
  }

  /** `sends` requests reach APNs for `token` in all, and then the event at `seq` is acked. */
  async function expectAckedAfter(token: string, sends: number, seq: number): Promise<void> {
    expect(await eventually(async () => providers.apns.sentTo(token).length, sends, 10_000)).toBe(
      sends,
    );
    const acked = await until(consumer, (info) => info.ack_floor.stream_seq >= seq);
    expect(acked.ack_floor.stream_seq).toBe(seq);
    expect(acked.num_ack_pending).toBe(0);
    expect(acked.num_redelivered).toBe(0);
  }

  beforeAll(async () => {
    providers = await startLoopbackPushProviders();
    dataDir = await mkdtemp(path.join(tmpdir(), 'guardyn-acks-'));
    admin = await connect({ servers: natsTestUrl });
    await startNotification();
    messagingBus = await createNatsBus({ url: natsTestUrl, namespace, name: 'test-messaging' });
  });
  afterAll(async () => {
    await notification?.stop();
    await messagingBus?.close();
    await admin?.close();
    await providers?.close();
    await rm(dataDir, { recursive: true, force: true });
    await deleteNatsNamespace(natsTestUrl, namespace);
  });

  it('leaves the event unacknowledged while the provider refuses, and acks it once it took the push', async () => {
    const device = await deviceWithToken();
    providers.apns.reply(device.token, unavailable, unavailable);
    const seq = await publishPush(device);

    await until(
      async () => providers.apns.sentTo(device.token).length,
      (sends) => sends >= 1,
    );
    const refused = await consumer();
    expect(refused.ack_floor.stream_seq).toBeLessThan(seq);
    expect(refused.num_ack_pending).toBe(1);

    // 1 s and then 2 s of backoff (±20 %): the third attempt is taken.
    await expectAckedAfter(device.token, 3, seq);
  });

  it('hands an event whose push was still being retried to the next service, which pushes once', async () => {
    const device = await deviceWithToken();
    providers.apns.reply(device.token, unavailable);
    const seq = await publishPush(device);
    await until(
      async () => providers.apns.sentTo(device.token).length,
      (sends) => sends >= 1,
    );
    // The service goes away between the first attempt and its retry (a restart, a crash).
    await notification?.stop();
    notification = undefined;
    expect((await consumer()).ack_floor.stream_seq).toBeLessThan(seq);

    await startNotification();
    await expectAckedAfter(device.token, 2, seq);
    // Settled: nothing brings it back.
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    expect(providers.apns.sentTo(device.token)).toHaveLength(2);
  });
});
