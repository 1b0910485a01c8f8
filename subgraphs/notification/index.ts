import { randomUUID } from 'node:crypto';
import { buildSubgraphSchema } from '@apollo/subgraph';
import {
  accountDeletedEvent,
  connectionEvent,
  consumeEvent,
  deviceRevokedEvent,
  onEvent,
  pushEvent,
  RedeliverLaterError,
  type BusSubscription,
} from '../../shared/bus/index.js';
import { configuredStore, type GuardynConfig } from '../../shared/config/index.js';
import { loadTypeDefs } from '../../shared/graphql/index.js';
import {
  startSubgraphServer,
  subgraphServerBasics,
  type RunningServer,
  type SubgraphDependencies,
} from '../../shared/http/index.js';
import type { Logger } from '../../shared/logging/index.js';
import { timedStore } from '../../shared/telemetry/index.js';
import { ConnectionTracker } from './connections.js';
import { PushDispatcher, type DispatcherHooks, type PushDispatcherOptions } from './dispatcher.js';
import { createPushProviders } from './providers.js';
import type { PushProvider } from './push-provider.js';
import { createResolvers, publicFields } from './resolvers.js';
import { NotificationService, type NotificationServiceOptions } from './service.js';
import type { NotificationStore, PushPlatform } from './store.js';
import { ScyllaNotificationStore } from './store.scylla.js';
import { SqliteNotificationStore } from './store.sqlite.js';

export const name = 'notification';
export const typeDefs = loadTypeDefs(new URL('./schema.graphql', import.meta.url));
export { createResolvers, publicFields };

/** Durable consumer names: replicas of the service share them, so each event is handled once. */
const pushConsumer = 'notification-push';
const deviceRevokedConsumer = 'notification-device-revoked';
const accountDeletedConsumer = 'notification-account-deleted';

/** How often sockets whose gateway went quiet are forgotten. */
const connectionSweepMs = 30_000;

export interface NotificationDependencies extends SubgraphDependencies {
  readonly store?: NotificationStore;
  /** Replaces the configured providers (tests). */
  readonly providers?: ReadonlyMap<PushPlatform, PushProvider>;
  readonly serviceOptions?: Partial<NotificationServiceOptions>;
  readonly dispatcherOptions?: PushDispatcherOptions;
}

function createStore(config: GuardynConfig, logger: Logger): NotificationStore {
  return configuredStore<NotificationStore>(config, 'notification.sqlite', {
    scylla: (database) => ScyllaNotificationStore.open({ database, logger }),
    sqlite: (file) => new SqliteNotificationStore(file),
  });
}

/**
 * The notification subgraph: push tokens over GraphQL, and wake-up pushes driven by the bus:
 * connection events (core) say which devices have sockets, push events (durable consumer
 * `notification-push`) say which have mail, device revocations (`notification-device-revoked`)
 * and account deletions (`notification-account-deleted`) drop tokens.
 */
export async function createSubgraph(
  config: GuardynConfig,
  deps: NotificationDependencies,
): Promise<RunningServer> {
  const settings = config.notification;
  // Timed at the port: every call, on either adapter, shows as guardyn_store_call_seconds.
  const store = timedStore(name, deps.store ?? createStore(config, deps.logger));
  const providers = deps.providers ?? (await createPushProviders(settings, deps.logger));
  const hooks: DispatcherHooks = { tokenInvalid: (job) => service.tokenInvalid(job) };
  const dispatcher = new PushDispatcher(providers, hooks, deps.logger, deps.dispatcherOptions);
  const service = new NotificationService(store, new ConnectionTracker(), dispatcher, {
    collapseMs: settings.collapseSeconds * 1000,
    ...deps.serviceOptions,
  });

  const subscriptions: BusSubscription[] = [];
  const sweeper = setInterval(() => service.expireConnections(), connectionSweepMs);
  sweeper.unref();
  const stopWork = async () => {
    clearInterval(sweeper);
    for (const subscription of subscriptions) subscription.unsubscribe();
    dispatcher.stop();
    await Promise.all([...providers.values()].map((provider) => provider.close()));
  };

  let server: RunningServer;
  try {
    // Sockets first, so that the first push events already see them.
    subscriptions.push(
      onEvent(deps.bus, connectionEvent, (event) => service.connectionChanged(event)),
    );
    subscriptions.push(
      await consumeEvent(deps.bus, pushEvent, pushConsumer, async ({ userId, deviceId }, event) => {
        // Acked when this resolves: only once the push was delivered or given up. Push events
        // always carry a msgId; without one, a redelivery simply claims afresh.
        const decision = await service.envelopePending(userId, deviceId, {
          eventId: event.msgId ?? randomUUID(),
          attempt: event.deliveryCount ?? 1,
        });
        if (decision.kind === 'retry') throw new RedeliverLaterError(decision.delayMs);
      }),
    );
    subscriptions.push(
      await consumeEvent(
        deps.bus,
        deviceRevokedEvent,
        deviceRevokedConsumer,
        ({ userId, deviceId }) => service.deviceRemoved(userId, deviceId),
      ),
    );
    subscriptions.push(
      await consumeEvent(
        deps.bus,
        accountDeletedEvent,
        accountDeletedConsumer,
        ({ userId, deviceIds }) => service.accountDeleted(userId, deviceIds),
      ),
    );
    server = await startSubgraphServer({
      name,
      schema: buildSubgraphSchema([{ typeDefs, resolvers: createResolvers(service) }]),
      publicFields,
      ...subgraphServerBasics(config, deps),
      verifier: deps.verifier,
      store,
    });
  } catch (error) {
    await stopWork();
    await store.close();
    throw error;
  }
  return {
    ...server,
    async stop() {
      await stopWork();
      await server.stop();
    },
  };
}
