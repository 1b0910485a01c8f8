import { buildSubgraphSchema } from '@apollo/subgraph';
import {
  accountDeletedEvent,
  connectionEvent,
  consumeEvent,
  onEvent,
  presenceEvent,
  publishEvent,
  typingEvent,
  type EventBus,
} from '../../shared/bus/index.js';
import { configuredStore, type GuardynConfig } from '../../shared/config/index.js';
import { EntityClient, messagingConversationPeers } from '../../shared/federation/index.js';
import { loadTypeDefs } from '../../shared/graphql/index.js';
import {
  startSubgraphServer,
  subgraphServerBasics,
  type RunningServer,
  type SubgraphDependencies,
} from '../../shared/http/index.js';
import type { Logger } from '../../shared/logging/index.js';
import { timedStore } from '../../shared/telemetry/index.js';
import type { PresenceEvents } from './events.js';
import { createResolvers, publicFields } from './resolvers.js';
import { defaultPresenceOptions, PresenceService, type PresenceServiceOptions } from './service.js';
import type { PresenceStore } from './store.js';
import { ScyllaPresenceStore } from './store.scylla/index.js';
import { SqlitePresenceStore } from './store.sqlite.js';

export const name = 'presence';
export const typeDefs = loadTypeDefs(new URL('./schema.graphql', import.meta.url));
export { createResolvers, publicFields };

/** How often stale connections and choices are expired. */
const expirySweepMs = 15_000;

export interface PresenceDependencies extends SubgraphDependencies {
  readonly store?: PresenceStore;
  readonly serviceOptions?: Partial<PresenceServiceOptions>;
}

/** Connection rows in ScyllaDB expire by TTL a little after the liveness window. */
function createStore(config: GuardynConfig, logger: Logger, livenessMs: number): PresenceStore {
  return configuredStore<PresenceStore>(config, 'presence.sqlite', {
    scylla: (database) => ScyllaPresenceStore.open({ database, logger, livenessMs }),
    sqlite: (file) => new SqlitePresenceStore(file),
  });
}

function busEvents(bus: EventBus): PresenceEvents {
  return {
    presenceChanged: (userId, status) => publishEvent(bus, presenceEvent, { userId, status }),
    typing: (conversationId, userId, typing, at) =>
      publishEvent(bus, typingEvent, { conversationId, userId, typing, at: at.toISOString() }),
  };
}

export async function createSubgraph(
  config: GuardynConfig,
  deps: PresenceDependencies,
): Promise<RunningServer> {
  const livenessMs = deps.serviceOptions?.livenessMs ?? defaultPresenceOptions.livenessMs;
  // Timed at the port: every call, on either adapter, shows as guardyn_store_call_seconds.
  const store = timedStore(name, deps.store ?? createStore(config, deps.logger, livenessMs));
  const peers = messagingConversationPeers(new EntityClient(() => deps.subgraphUrl('messaging')));
  const service = new PresenceService(store, peers, busEvents(deps.bus), deps.serviceOptions);

  // Connection events arrive in order per device; one at a time keeps SQLite writes simple.
  let applying = Promise.resolve();
  const connections = onEvent(deps.bus, connectionEvent, (event) => {
    applying = applying
      .then(() => service.connectionChanged(event))
      .catch((error: unknown) => deps.logger.error({ err: error }, 'connection event failed'));
  });
  // Each replica cancels its typing expiry once another replica handled a later typing call.
  const typingSeen = onEvent(deps.bus, typingEvent, (event) => service.typingSeen(event));
  // Every replica drops the deleted user's late connection events; one deletes the rows.
  const forgetting = onEvent(deps.bus, accountDeletedEvent, ({ userId }) =>
    service.forgetUser(userId),
  );
  const deletions = await consumeEvent(
    deps.bus,
    accountDeletedEvent,
    'presence-account-deleted',
    // In line with connection events; a failure goes back to the bus (redelivered), not on.
    ({ userId }) => {
      const deletion = applying.then(() => service.accountDeleted(userId));
      applying = deletion.catch(() => undefined);
      return deletion;
    },
  );
  const sweeper = setInterval(() => {
    service
      .expireStale()
      .catch((error: unknown) => deps.logger.error({ err: error }, 'presence expiry failed'));
  }, expirySweepMs);
  sweeper.unref();

  const server = await startSubgraphServer({
    name,
    schema: buildSubgraphSchema([{ typeDefs, resolvers: createResolvers(service) }]),
    publicFields,
    ...subgraphServerBasics(config, deps),
    verifier: deps.verifier,
    store,
  });
  return {
    ...server,
    async stop() {
      clearInterval(sweeper);
      connections.unsubscribe();
      typingSeen.unsubscribe();
      forgetting.unsubscribe();
      deletions.unsubscribe();
      service.stop();
      await applying;
      await server.stop();
    },
  };
}
