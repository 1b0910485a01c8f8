import { buildSubgraphSchema } from '@apollo/subgraph';
import { accountDeletedEvent, consumeEvent, deviceRevokedEvent } from '../../shared/bus/index.js';
import { configuredStore, type GuardynConfig } from '../../shared/config/index.js';
import type { Logger } from '../../shared/logging/index.js';
import { EntityClient } from '../../shared/federation/index.js';
import { loadTypeDefs } from '../../shared/graphql/index.js';
import {
  startSubgraphServer,
  subgraphServerBasics,
  type RunningServer,
  type SubgraphDependencies,
} from '../../shared/http/index.js';
import { sampleMailboxPending, timedStore } from '../../shared/telemetry/index.js';
import { entityDeviceDirectory } from './device-directory.js';
import { createResolvers, publicFields } from './resolvers.js';
import { Delivery } from './delivery.js';
import { GroupService } from './group-service.js';
import { SealedDeliveryService } from './sealed-delivery.js';
import { SendLimits } from './send-limits.js';
import {
  defaultMessagingOptions,
  MessagingService,
  type MessagingServiceOptions,
} from './service.js';
import type { MessagingStore } from './store.js';
import { ScyllaMessagingStore } from './store.scylla/index.js';
import { SqliteMessagingStore } from './store.sqlite/index.js';
import { WakeupRelay } from './wakeup-relay.js';
import { wakeupEvents } from './wakeups.js';

export const name = 'messaging';
export const typeDefs = loadTypeDefs(new URL('./schema.graphql', import.meta.url));
export { createResolvers, publicFields };

/** Auth's limit of devices per account: bounds the devices one multi-recipient send may reach. */
const maxDevicesPerUser = 6;
/** How often expired envelopes are swept. */
const expirySweepMs = 10 * 60_000;

export interface MessagingDependencies extends SubgraphDependencies {
  readonly store?: MessagingStore;
  readonly serviceOptions?: Partial<MessagingServiceOptions>;
}

function createStore(config: GuardynConfig, logger: Logger): MessagingStore {
  return configuredStore<MessagingStore>(config, 'messaging.sqlite', {
    scylla: (database) =>
      ScyllaMessagingStore.open({
        database,
        logger,
        sentRecordRetentionMs: config.messaging.retentionDays * 24 * 3600_000,
      }),
    sqlite: (file) => new SqliteMessagingStore(file),
  });
}

export async function createSubgraph(
  config: GuardynConfig,
  deps: MessagingDependencies,
): Promise<RunningServer> {
  // Timed at the port: every call, on either adapter, shows as guardyn_store_call_seconds.
  const store = timedStore(name, deps.store ?? createStore(config, deps.logger));
  const directory = entityDeviceDirectory(new EntityClient(() => deps.subgraphUrl('auth')));
  const options: MessagingServiceOptions = {
    ...defaultMessagingOptions,
    retentionMs: config.messaging.retentionDays * 24 * 3600_000,
    sendsPerMinute: config.messaging.sendRatePerMinute,
    sendBytesPerMinute: config.messaging.sendBytesPerMinute,
    mailboxQuota: {
      maxEnvelopes: config.messaging.mailboxMaxEnvelopes,
      maxBytes: config.messaging.mailboxMaxBytes,
    },
    ...deps.serviceOptions,
  };
  const events = wakeupEvents({ bus: deps.bus, outbox: store, logger: deps.logger });
  // Publishes the wake-ups a bus outage left in the store's outbox (every replica runs one).
  const relay = new WakeupRelay(store, deps.bus, deps.logger);
  const delivery = new Delivery(store, events, options);
  const limits = new SendLimits(store, options);
  const service = new MessagingService(store, directory, events, delivery, limits, options);
  const sealed = new SealedDeliveryService(store, directory, events, delivery, limits, {
    maxEnvelopesPerSend: options.maxEnvelopesPerSend,
    maxSealedRecipients: options.maxGroupMembers,
    maxSealedDevices: options.maxGroupMembers * maxDevicesPerUser,
  });
  const groups = new GroupService(
    store,
    directory,
    events,
    delivery,
    options.maxGroupMembers,
    limits,
  );

  const revoked = await consumeEvent(
    deps.bus,
    deviceRevokedEvent,
    'messaging-device-revoked',
    async ({ userId, deviceId }) => {
      await service.deviceRemoved(userId, deviceId);
    },
  );
  const deleted = await consumeEvent(
    deps.bus,
    accountDeletedEvent,
    'messaging-account-deleted',
    ({ userId, deviceIds }) => service.accountDeleted(userId, deviceIds),
  );
  const sweep = () =>
    service
      .expireMailboxes()
      .catch((error: unknown) => deps.logger.error({ err: error }, 'mailbox expiry failed'));
  void sweep();
  const sweeper = setInterval(sweep, expirySweepMs);
  sweeper.unref();
  relay.start();
  const stopSampling = sampleMailboxPending(
    () => store.countPendingEnvelopes(new Date()),
    (error) => deps.logger.warn({ err: error }, 'counting pending envelopes failed'),
  );

  const server = await startSubgraphServer({
    name,
    schema: buildSubgraphSchema([
      { typeDefs, resolvers: createResolvers(service, groups, sealed) },
    ]),
    publicFields,
    ...subgraphServerBasics(config, deps),
    verifier: deps.verifier,
    store,
  });
  return {
    ...server,
    async stop() {
      clearInterval(sweeper);
      stopSampling();
      await relay.stop();
      revoked.unsubscribe();
      deleted.unsubscribe();
      await server.stop();
    },
  };
}
