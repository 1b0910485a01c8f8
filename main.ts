/**
 * The composition root: reads the configuration, then starts one service
 * (GUARDYN_SERVICE_NAME) or all six in one process (embedded, the default).
 * The only module that imports every service.
 */
import { pathToFileURL } from 'node:url';
import type { JSONWebKeySet } from 'jose';
import { startGateway, type RunningGateway, type SubscriptionLimits } from './gateway/index.js';
import {
  createTokenVerifier,
  followSessionRevocations,
  RevokedSessions,
  type TokenVerifier,
} from './shared/auth/index.js';
import { createEventBus, type EventBus } from './shared/bus/index.js';
import {
  ConfigError,
  defaultPorts,
  loadConfig,
  subgraphNames,
  type GuardynConfig,
  type SubgraphName,
} from './shared/config/index.js';
import type { RunningServer, SubgraphDependencies } from './shared/http/index.js';
import { createLogger, resolveLogFormat, type Logger } from './shared/logging/index.js';
import { instrumentBus } from './shared/telemetry/index.js';
import { composeSupergraph, readSupergraphConfig } from './shared/supergraph/index.js';
import { startTracing, traceBus, traceServiceName, type Tracing } from './shared/tracing/index.js';
import * as auth from './subgraphs/auth/index.js';
import type { PasswordVerifier } from './subgraphs/auth/passwords.js';
import type { AuthServiceOptions } from './subgraphs/auth/service.js';
import type { AuthStore } from './subgraphs/auth/store.js';
import * as media from './subgraphs/media/index.js';
import type { MediaStore } from './subgraphs/media/store.js';
import * as messaging from './subgraphs/messaging/index.js';
import * as notification from './subgraphs/notification/index.js';
import type { NotificationStore } from './subgraphs/notification/store.js';
import * as presence from './subgraphs/presence/index.js';
import type { PresenceServiceOptions } from './subgraphs/presence/service.js';
import type { PresenceStore } from './subgraphs/presence/store.js';
import type { MessagingStore } from './subgraphs/messaging/store.js';

/** Everything a running Guardyn process serves. */
export interface Guardyn {
  /** The gateway, when this process runs it. */
  readonly gateway: RunningGateway | undefined;
  /** The subgraphs this process runs, by name. */
  readonly subgraphs: Readonly<Partial<Record<SubgraphName, RunningServer>>>;
  /** Graceful: the gateway first, then the subgraphs, then the bus. */
  stop(): Promise<void>;
}

/** Knobs for tests: free ports instead of 4000..4005, and service rule overrides. */
export interface StartOptions {
  readonly ephemeralPorts?: boolean;
  readonly logger?: Logger;
  readonly auth?: Partial<AuthServiceOptions>;
  /** Replaces argon2id verification in auth (tests count the password checks with it). */
  readonly authPasswords?: PasswordVerifier;
  readonly subscriptionLimits?: Partial<SubscriptionLimits>;
  readonly presence?: Partial<PresenceServiceOptions>;
  /** Stores to use instead of the configured ones (tests wrap them, e.g. to count calls). */
  readonly stores?: SubgraphStores;
}

/** A store per subgraph, each optional. */
export interface SubgraphStores {
  readonly auth?: AuthStore;
  readonly messaging?: MessagingStore;
  readonly presence?: PresenceStore;
  readonly media?: MediaStore;
  readonly notification?: NotificationStore;
}

/** Access tokens live at most this long, so revocations are remembered this long. */
const revocationMemoryMs = (auth.accessTokenLifetimeSeconds + 60) * 1000;

type OtherSubgraph = Exclude<SubgraphName, 'auth'>;
/** Starts a subgraph with the test knobs of `options` that concern it. */
const otherSubgraphs: Record<
  OtherSubgraph,
  (
    config: GuardynConfig,
    deps: SubgraphDependencies,
    options: StartOptions,
  ) => Promise<RunningServer>
> = {
  messaging: (config, deps, { stores }) =>
    messaging.createSubgraph(config, {
      ...deps,
      ...(stores?.messaging ? { store: stores.messaging } : {}),
    }),
  presence: (config, deps, { stores, presence: tuning }) =>
    presence.createSubgraph(config, {
      ...deps,
      ...(stores?.presence ? { store: stores.presence } : {}),
      ...(tuning ? { serviceOptions: tuning } : {}),
    }),
  media: (config, deps, { stores }) =>
    media.createSubgraph(config, { ...deps, ...(stores?.media ? { store: stores.media } : {}) }),
  notification: (config, deps, { stores }) =>
    notification.createSubgraph(config, {
      ...deps,
      ...(stores?.notification ? { store: stores.notification } : {}),
    }),
};

/** The process's logger: readable on a terminal, JSON lines elsewhere (GUARDYN_OBSERVABILITY__LOG_FORMAT). */
function createProcessLogger(config: GuardynConfig): Logger {
  const format = resolveLogFormat(config.observability.logFormat, process.stdout.isTTY === true);
  return createLogger(config.observability.logLevel, config.service, { format });
}

/** A verifier that also refuses sessions revoked elsewhere (announced on the bus). */
function createVerifier(keys: JSONWebKeySet | URL, bus: EventBus): TokenVerifier {
  const revocations = new RevokedSessions(revocationMemoryMs);
  followSessionRevocations(bus, revocations);
  return createTokenVerifier({ keys, revocations });
}

export async function startGuardyn(
  config: GuardynConfig,
  options: StartOptions = {},
): Promise<Guardyn> {
  const logger = options.logger ?? createProcessLogger(config);
  // Before anything makes a span: stores, bus and servers are traced only while it runs.
  const tracing = await startTracingIfConfigured(config);
  let bus: EventBus;
  try {
    // Counted once here, so every service's publishes and deliveries show in the metrics.
    bus = instrumentBus(
      await createEventBus({
        natsUrl: config.messaging.natsUrl,
        namespace: config.messaging.natsNamespace,
        name: config.service,
        onError: (error, context) => logger.warn({ err: error, ...context }, 'event bus error'),
      }),
    );
  } catch (error) {
    await tracing?.stop();
    throw error;
  }
  if (tracing) bus = traceBus(bus, config.messaging.natsUrl ? 'nats' : 'in-process');
  const portOf = (service: keyof typeof defaultPorts): number => {
    if (options.ephemeralPorts) return 0;
    if (config.service !== 'embedded') return config.port ?? defaultPorts[service];
    // Embedded: GUARDYN_PORT moves the gateway; the subgraphs follow on the next five ports.
    return config.port === undefined
      ? defaultPorts[service]
      : config.port + defaultPorts[service] - defaultPorts.gateway;
  };
  const started: RunningServer[] = [];
  const subgraphs: Partial<Record<SubgraphName, RunningServer>> = {};
  let gateway: RunningGateway | undefined;

  const stop = async () => {
    for (const server of [...started].reverse()) await server.stop();
    started.length = 0;
    await bus.close();
    // Last, so the spans of the shutdown are flushed too.
    await tracing?.stop();
  };

  const routing = await readSupergraphConfig();
  // A subgraph in this process, else GUARDYN_GATEWAY__<NAME>_URL, else supergraph.yaml.
  const subgraphUrl = (name: SubgraphName): string =>
    subgraphs[name]?.url ??
    config.gateway.subgraphUrls[name] ??
    routing.find((entry) => entry.name === name)?.routingUrl ??
    `http://localhost:${defaultPorts[name]}/graphql`;

  try {
    const wanted: SubgraphName[] = subgraphNames.filter(
      (name) => config.service === 'embedded' || config.service === name,
    );
    let signer: Awaited<ReturnType<typeof auth.loadSigningKeys>> | undefined;
    if (wanted.includes('auth')) {
      signer = await auth.loadSigningKeys(config);
      subgraphs.auth = await auth.createSubgraph(config, {
        logger: logger.child({ subgraph: 'auth' }),
        bus,
        signer,
        port: portOf('auth'),
        ...(options.auth ? { serviceOptions: options.auth } : {}),
        ...(options.authPasswords ? { passwords: options.authPasswords } : {}),
        ...(options.stores?.auth ? { store: options.stores.auth } : {}),
      });
      started.push(subgraphs.auth);
    }
    const others = wanted.filter((name): name is OtherSubgraph => name !== 'auth');
    const runsGateway = config.service === 'embedded' || config.service === 'gateway';
    // Everyone but auth verifies tokens with auth's public keys (the gateway: for its sockets).
    const jwks = config.auth.jwksUrl ?? new URL('/.well-known/jwks.json', subgraphUrl('auth')).href;
    const verifier =
      others.length > 0 || runsGateway
        ? createVerifier(signer?.publicJwks ?? new URL(jwks), bus)
        : undefined;
    if (verifier) {
      for (const name of others) {
        const server = await otherSubgraphs[name](
          config,
          {
            logger: logger.child({ subgraph: name }),
            bus,
            verifier,
            port: portOf(name),
            subgraphUrl,
          },
          options,
        );
        subgraphs[name] = server;
        started.push(server);
      }
    }
    if (runsGateway && verifier) {
      const composition = await composeSupergraph(routing);
      if (!composition.ok) {
        throw new Error(`Supergraph composition failed:\n${composition.errors.join('\n')}`);
      }
      gateway = await startGateway({
        host: config.host,
        port: portOf('gateway'),
        // Not `service`: the root logger binds it already, and a second one is a duplicate key.
        logger: logger.child({ component: 'gateway' }),
        supergraphSdl: composition.supergraphSdl,
        subgraphs: routing.map((entry) => ({ name: entry.name, url: subgraphUrl(entry.name) })),
        bus,
        verifier,
        trustedProxies: config.http.trustedProxies,
        corsOrigins: config.gateway.corsOrigins,
        operationLimits: config.gateway.operationLimits,
        introspection: config.gateway.introspection,
        mergeQueries: config.gateway.mergeQueries,
        ...(options.subscriptionLimits ? { subscriptionLimits: options.subscriptionLimits } : {}),
      });
      started.push(gateway);
    }
  } catch (error) {
    await stop();
    throw error;
  }
  return { gateway, subgraphs, stop };
}

/** OTLP export when GUARDYN_OBSERVABILITY__OTLP_ENDPOINT is set; one `service.name` per process. */
async function startTracingIfConfigured(config: GuardynConfig): Promise<Tracing | undefined> {
  const { otlpEndpoint, otlpProtocol } = config.observability;
  if (otlpEndpoint === undefined) return undefined;
  return startTracing({
    endpoint: otlpEndpoint,
    protocol: otlpProtocol,
    serviceName: traceServiceName(config.service),
  });
}

/** Runs as a program: config errors exit 2 with one line; SIGTERM/SIGINT stop gracefully (exit 0). */
async function main(): Promise<void> {
  let config: GuardynConfig;
  try {
    config = loadConfig(process.env);
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`guardyn: invalid configuration: ${error.message}\n`);
      process.exit(2);
    }
    throw error;
  }
  const logger = createProcessLogger(config);
  // A crash leaves a log line that names it (as JSON, with the stack) before the process exits
  // 1, as Node would without these; the orchestrator restarts it.
  const crash = (kind: string) => (error: unknown) => {
    logger.fatal({ err: error }, `crashed: ${kind}`);
    process.exit(1);
  };
  process.on('uncaughtException', crash('uncaught exception'));
  process.on('unhandledRejection', crash('unhandled rejection'));
  let guardyn: Guardyn;
  try {
    guardyn = await startGuardyn(config, { logger });
  } catch (error) {
    logger.fatal({ err: error }, 'failed to start');
    process.exit(1);
  }
  const urls = [guardyn.gateway, ...Object.values(guardyn.subgraphs)].flatMap((server) =>
    server ? [`  ${server.name.padEnd(12)} ${server.url}`] : [],
  );
  process.stdout.write(`Guardyn (${config.service}) is running:\n${urls.join('\n')}\n`);
  if (guardyn.gateway) process.stdout.write(`  health       ${guardyn.gateway.origin}/health\n`);

  let stopping = false;
  const shutdown = (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'shutting down');
    guardyn.stop().then(
      () => process.exit(0),
      (error: unknown) => {
        logger.error({ err: error }, 'shutdown failed');
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', () => shutdown('SIGTERM'));
  process.on('SIGINT', () => shutdown('SIGINT'));
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  await main();
}
