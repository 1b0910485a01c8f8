import path from 'node:path';
import { buildSubgraphSchema } from '@apollo/subgraph';
import { createTokenVerifier } from '../../shared/auth/index.js';
import {
  accountDeletedEvent,
  deviceRevokedEvent,
  publishDurableEvent,
  publishEvent,
  sessionRevokedEvent,
  type EventBus,
} from '../../shared/bus/index.js';
import { configuredStore, type GuardynConfig } from '../../shared/config/index.js';
import { loadTypeDefs } from '../../shared/graphql/index.js';
import {
  startSubgraphServer,
  subgraphServerBasics,
  type RunningServer,
} from '../../shared/http/index.js';
import type { Logger } from '../../shared/logging/index.js';
import { createRateLimiters, type RateLimiters } from '../../shared/rate-limit/index.js';
import { timedStore } from '../../shared/telemetry/index.js';
import type { AuthEvents } from './events.js';
import { PasswordChecker, type PasswordVerifier } from './passwords.js';
import { createResolvers, publicFields } from './resolvers.js';
import { AuthService, type AuthServiceOptions } from './service.js';
import { SealedSenderKeys } from './sealed-sender-keys.js';
import { SealedSenderService } from './sealed-sender.js';
import { AccessTokenSigner } from './signing-keys.js';
import type { AuthStore } from './store.js';
import { ScyllaAuthStore } from './store.scylla/index.js';
import { SqliteAuthStore } from './store.sqlite/index.js';

export const name = 'auth';
export const typeDefs = loadTypeDefs(new URL('./schema.graphql', import.meta.url));
export { createResolvers, publicFields };

/** Access tokens live 15 minutes; a revoked session's tokens are refused at once (see docs/accounts.md). */
export const accessTokenLifetimeSeconds = 15 * 60;

/** Loads (or on first start creates) the token signing keys; only the auth service holds them. */
export function loadSigningKeys(config: GuardynConfig): Promise<AccessTokenSigner> {
  const file =
    config.auth.signingKeyFile ?? path.join(config.dataDir, 'keys', 'auth-signing-keys.json');
  return AccessTokenSigner.fromFile(file, accessTokenLifetimeSeconds);
}

/** Loads (or on first start creates) sealed sender's trust root and server certificate. */
export function loadSealedSenderKeys(config: GuardynConfig): Promise<SealedSenderKeys> {
  const keysDir = path.join(config.dataDir, 'keys');
  return SealedSenderKeys.fromFiles({
    trustRootFile:
      config.auth.sealedSenderTrustRootFile ?? path.join(keysDir, 'sealed-sender-trust-root.json'),
    certificateFile:
      config.auth.sealedSenderCertificateFile ??
      path.join(keysDir, 'sealed-sender-certificate.json'),
  });
}

export interface AuthDependencies {
  readonly logger: Logger;
  readonly bus: EventBus;
  readonly signer: AccessTokenSigner;
  /** Defaults to loadSealedSenderKeys(config). */
  readonly sealedSenderKeys?: SealedSenderKeys;
  readonly port: number;
  /** Defaults to the store the configuration selects. */
  readonly store?: AuthStore;
  readonly serviceOptions?: Partial<AuthServiceOptions>;
  /** Defaults to argon2id (tests inject a verifier that counts the checks). */
  readonly passwords?: PasswordVerifier;
  /**
   * Defaults to what the configuration selects: NATS JetStream KV when NATS is configured (the
   * limits hold for every replica), else this process's memory. Closed when the subgraph stops.
   */
  readonly rateLimiters?: RateLimiters;
}

function createStore(config: GuardynConfig, logger: Logger): AuthStore {
  return configuredStore<AuthStore>(config, 'auth.sqlite', {
    scylla: (database) => ScyllaAuthStore.open({ database, logger }),
    sqlite: (file) => new SqliteAuthStore(file),
  });
}

function busEvents(bus: EventBus): AuthEvents {
  return {
    async sessionsRevoked(userId, sessionIds) {
      for (const sessionId of sessionIds)
        await publishEvent(bus, sessionRevokedEvent, { userId, sessionId });
    },
    async deviceRevoked({ userId, deviceId, createdAt }) {
      // Stable per device (ids are reused after removal, creation times are not): a retry dedupes.
      await publishDurableEvent(
        bus,
        deviceRevokedEvent,
        { userId, deviceId },
        { msgId: `device-revoked.${userId}.${deviceId}.${createdAt.getTime()}` },
      );
    },
    async accountDeleted(userId, deviceIds) {
      // User ids are never reused: the id and the devices named dedupe a retry.
      const sorted = [...deviceIds].sort((a, b) => a - b);
      await publishDurableEvent(
        bus,
        accountDeletedEvent,
        { userId, deviceIds: sorted },
        { msgId: `account-deleted.${userId}.${sorted.join(',')}` },
      );
    },
  };
}

/** Builds and starts the auth subgraph, which also serves its public keys at /.well-known/jwks.json. */
export async function createSubgraph(
  config: GuardynConfig,
  deps: AuthDependencies,
): Promise<RunningServer> {
  // First: a bad key file stops the start before anything is opened.
  const sealedSenderKeys = deps.sealedSenderKeys ?? (await loadSealedSenderKeys(config));
  // Timed at the port: every call, on either adapter, shows as guardyn_store_call_seconds.
  const store = timedStore(name, deps.store ?? createStore(config, deps.logger));
  const rateLimiters =
    deps.rateLimiters ??
    (await createRateLimiters({
      natsUrl: config.messaging.natsUrl,
      namespace: config.messaging.natsNamespace,
      name: 'auth-rate-limits',
    }));
  const service = new AuthService(
    store,
    deps.signer,
    deps.passwords ?? new PasswordChecker(),
    busEvents(deps.bus),
    rateLimiters,
    {
      usernameQuarantineMs: config.auth.usernameQuarantineDays * 24 * 3600_000,
      ...deps.serviceOptions,
    },
  );
  const sealedSender = new SealedSenderService(store, sealedSenderKeys);
  // Auth checks its own session table on every request: logout and revocation take effect at once.
  const verifier = createTokenVerifier({
    keys: deps.signer.publicJwks,
    revocations: { isRevoked: async (sessionId) => !(await service.isSessionActive(sessionId)) },
  });
  const closeAll = async () => {
    await rateLimiters.close();
    await store.close();
  };
  try {
    return await startSubgraphServer({
      name,
      schema: buildSubgraphSchema([
        { typeDefs, resolvers: createResolvers(service, sealedSender) },
      ]),
      publicFields,
      ...subgraphServerBasics(config, deps),
      verifier,
      routes: (app) => {
        app.get('/.well-known/jwks.json', (_request, response) => {
          response.set('cache-control', 'public, max-age=300').json(deps.signer.publicJwks);
        });
      },
      store: { ping: () => store.ping(), close: closeAll },
    });
  } catch (error) {
    await closeAll();
    throw error;
  }
}
