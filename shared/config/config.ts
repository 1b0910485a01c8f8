import path from 'node:path';
import { loopbackRanges } from '../http/trusted-proxies.js';
import { logFormats, logLevels, type LogFormat, type LogLevel } from '../logging/index.js';
import { ConfigError, EnvReader, type Env } from './env-reader.js';
import { serviceNames, subgraphNames, type ServiceName, type SubgraphName } from './services.js';

export { ConfigError };

/** Everything Guardyn reads from its environment, parsed once at start. */
export interface GuardynConfig {
  /** `embedded` (GUARDYN_SERVICE_NAME unset): all six services in one process. */
  readonly service: ServiceName | 'embedded';
  readonly host: string;
  /** GUARDYN_PORT; unset means the service's default port (gateway 4000, subgraphs 4001..4005). */
  readonly port: number | undefined;
  readonly dataDir: string;
  readonly http: {
    /**
     * CIDR ranges whose X-Forwarded-For is believed (GUARDYN_HTTP__TRUSTED_PROXIES); default
     * loopback. Embedded mode always adds loopback: the gateway reaches its subgraphs over it.
     */
    readonly trustedProxies: readonly string[];
  };
  readonly database: {
    /** Non-empty switches every store to ScyllaDB (CQL); empty means embedded SQLite. */
    readonly scyllaNodes: readonly string[];
    readonly scyllaLocalDataCenter: string;
    /** How each subgraph keyspace is replicated when the migrations create it. */
    readonly scyllaReplication: ScyllaReplication;
    /** Keyspaces are `<prefix>_<subgraph>` (`guardyn_auth`, ...); tests use their own prefix. */
    readonly scyllaKeyspacePrefix: string;
  };
  readonly messaging: {
    /** Set switches the event bus to NATS (JetStream for durable subjects). */
    readonly natsUrl: string | undefined;
    /** Days an unacknowledged envelope is kept in a mailbox. */
    readonly retentionDays: number;
    /** Keeps this deployment's subjects apart on a shared NATS server (unset: plain `guardyn.*`). */
    readonly natsNamespace: string | undefined;
    /** Sends (1:1, group messages, commits) per sender user per sliding minute. @default 30 */
    readonly sendRatePerMinute: number;
    /** Envelope bytes stored per sender user per sliding minute. @default 32 MiB */
    readonly sendBytesPerMinute: number;
    /** Most pending envelopes in one device's mailbox. @default 100000 */
    readonly mailboxMaxEnvelopes: number;
    /** Most pending content bytes in one device's mailbox. @default 512 MiB */
    readonly mailboxMaxBytes: number;
  };
  readonly observability: {
    /** Set: every process exports traces over OTLP (see shared/tracing); unset: none, no cost. */
    readonly otlpEndpoint: string | undefined;
    /** `http/protobuf` posts to `<endpoint>/v1/traces`; `grpc` calls the endpoint itself. */
    readonly otlpProtocol: OtlpProtocol;
    readonly logLevel: LogLevel;
    /** `auto` (pino-pretty on a terminal, else JSON), `json` or `pretty`. */
    readonly logFormat: LogFormat;
  };
  readonly gateway: {
    /** Overrides of supergraph.yaml's routing_url, from GUARDYN_GATEWAY__<NAME>_URL. */
    readonly subgraphUrls: Readonly<Partial<Record<SubgraphName, string>>>;
    /** What one operation may ask for (GUARDYN_GATEWAY__MAX_*); see gateway/operation-limits.ts. */
    readonly operationLimits: OperationLimitsConfig;
    /** `__schema`/`__type` answered by the gateway and subgraphs; default on unless NODE_ENV=production. */
    readonly introspection: boolean;
    /**
     * Browser origins allowed by CORS on /graphql and on media downloads, and to open
     * subscription sockets (GUARDYN_GATEWAY__CORS_ORIGINS); empty: none.
     */
    readonly corsOrigins: readonly string[];
    /**
     * Identical subgraph queries in flight share one call (GUARDYN_GATEWAY__MERGE_QUERIES, on by
     * default); see gateway/inflight-queries.ts.
     */
    readonly mergeQueries: boolean;
  };
  readonly auth: {
    /** Where verifiers fetch the auth subgraph's public keys in distributed mode. */
    readonly jwksUrl: string | undefined;
    /** The auth service's private signing keys (JWK set); default `<dataDir>/keys/auth-signing-keys.json`. */
    readonly signingKeyFile: string | undefined;
    /** Sealed sender's trust root (Curve25519); default `<dataDir>/keys/sealed-sender-trust-root.json`. */
    readonly sealedSenderTrustRootFile: string | undefined;
    /** The server certificate the trust root signed, with its private key; default beside it. */
    readonly sealedSenderCertificateFile: string | undefined;
    /** How long a deleted account's username stays refused to new accounts (GUARDYN_AUTH__USERNAME_QUARANTINE_DAYS). */
    readonly usernameQuarantineDays: number;
  };
  readonly media: MediaConfig;
  readonly notification: NotificationConfig;
}

export const otlpProtocols = ['http/protobuf', 'grpc'] as const;
export type OtlpProtocol = (typeof otlpProtocols)[number];

/** Limits the gateway checks on each operation before planning it. */
export interface OperationLimitsConfig {
  /** @default 12 */
  readonly maxDepth: number;
  /** @default 50 */
  readonly maxAliases: number;
  /** @default 20 */
  readonly maxRootFields: number;
  /** @default 5000 */
  readonly maxCost: number;
}

/** The media subgraph's settings (GUARDYN_MEDIA__*). */
export interface MediaConfig {
  /** Origin that download URLs start with; unset: the media subgraph's own listening origin. */
  readonly publicUrl: string | undefined;
  /** Largest `uploadMedia` file, checked while it streams in. @default 100 MiB */
  readonly maxAttachmentBytes: number;
  /** Largest `setAvatar` file. @default 5 MiB */
  readonly maxAvatarBytes: number;
  /** How long a signed download URL stays valid. @default 900 */
  readonly downloadUrlTtlSeconds: number;
}

/** The notification subgraph's settings (GUARDYN_NOTIFICATION__*). */
export interface NotificationConfig {
  /** At most one push per device per this many seconds. @default 30 */
  readonly collapseSeconds: number;
  /** FCM, when a service-account file is configured; else disabled. */
  readonly fcm: { readonly credentialsFile: string; readonly url: string } | undefined;
  /** APNs (token auth), when key file, key id, team id and topic are all configured. */
  readonly apns: ApnsConfig | undefined;
}

/** APNs token-auth settings (GUARDYN_NOTIFICATION__APNS_*). */
export interface ApnsConfig {
  /** The .p8 signing key from Apple. */
  readonly keyFile: string;
  readonly keyId: string;
  readonly teamId: string;
  /** The app's bundle id (`apns-topic`). */
  readonly topic: string;
  /** `https://api.push.apple.com` (production), `https://api.sandbox.push.apple.com`, or a test server. */
  readonly url: string;
  /** Extra trusted CA certificate (PEM) for the APNs endpoint, e.g. a test server's. */
  readonly caFile: string | undefined;
}

/** Keyspace replication: `SimpleStrategy:<rf>` (development) or `NetworkTopologyStrategy:<dc>=<rf>,...`. */
export type ScyllaReplication =
  | { readonly strategy: 'SimpleStrategy'; readonly replicationFactor: number }
  | {
      readonly strategy: 'NetworkTopologyStrategy';
      readonly dataCenters: Readonly<Record<string, number>>;
    };

/** Keyspace names are at most 48 characters of [a-z0-9_]; the longest suffix is `_notification`. */
function keyspacePrefix(value: string | undefined): string {
  if (value === undefined) return 'guardyn';
  if (!/^[a-z][a-z0-9_]{0,31}$/.test(value)) {
    throw new ConfigError(
      'GUARDYN_DATABASE__SCYLLADB_KEYSPACE_PREFIX',
      `"${value}" is not a keyspace prefix (a lower-case letter, then up to 31 of a-z, 0-9, _)`,
    );
  }
  return value;
}

function optionalPath(value: string | undefined): string | undefined {
  return value === undefined ? undefined : path.resolve(value);
}

const mib = 1024 * 1024;
/** GraphQL `Int` is 32-bit: `Media.size` cannot say more. */
const maxMediaBytes = 2 ** 31 - 1;

function readMedia(read: EnvReader): MediaConfig {
  const publicUrl = read.url('GUARDYN_MEDIA__PUBLIC_URL', ['http', 'https']);
  return {
    publicUrl: publicUrl?.replace(/\/+$/, ''),
    maxAttachmentBytes:
      read.integer('GUARDYN_MEDIA__MAX_ATTACHMENT_BYTES', 1, maxMediaBytes) ?? 100 * mib,
    maxAvatarBytes: read.integer('GUARDYN_MEDIA__MAX_AVATAR_BYTES', 1, maxMediaBytes) ?? 5 * mib,
    downloadUrlTtlSeconds:
      read.integer('GUARDYN_MEDIA__DOWNLOAD_URL_TTL_SECONDS', 10, 86_400) ?? 900,
  };
}

/** Bytes are counted in 64 KiB units (see subgraphs/messaging/send-limits.ts): at least one. */
const minSendBytesPerMinute = 64 * 1024;
/** A mailbox must hold at least one envelope of the largest size (256 KiB). */
const minMailboxBytes = 256 * 1024;
const maxByteSetting = 2 ** 40;

function readSendLimits(read: EnvReader) {
  const variable = (name: string) => `GUARDYN_MESSAGING__${name}`;
  return {
    sendRatePerMinute: read.integer(variable('SEND_RATE_PER_MINUTE'), 1, 100_000) ?? 30,
    sendBytesPerMinute:
      read.integer(variable('SEND_BYTES_PER_MINUTE'), minSendBytesPerMinute, maxByteSetting) ??
      32 * mib,
    mailboxMaxEnvelopes: read.integer(variable('MAILBOX_MAX_ENVELOPES'), 1, 10_000_000) ?? 100_000,
    mailboxMaxBytes:
      read.integer(variable('MAILBOX_MAX_BYTES'), minMailboxBytes, maxByteSetting) ?? 512 * mib,
  };
}

function readOperationLimits(read: EnvReader): OperationLimitsConfig {
  return {
    maxDepth: read.integer('GUARDYN_GATEWAY__MAX_DEPTH', 1, 100) ?? 12,
    maxAliases: read.integer('GUARDYN_GATEWAY__MAX_ALIASES', 0, 10_000) ?? 50,
    maxRootFields: read.integer('GUARDYN_GATEWAY__MAX_ROOT_FIELDS', 1, 1000) ?? 20,
    maxCost: read.integer('GUARDYN_GATEWAY__MAX_COST', 1, 1_000_000_000) ?? 5000,
  };
}

/** All or none: a half-configured provider is a mistake, named by its first missing variable. */
function requireTogether(values: Record<string, string | undefined>): boolean {
  const missing = Object.keys(values).filter((name) => values[name] === undefined);
  const first = missing[0];
  if (first === undefined) return true;
  if (missing.length === Object.keys(values).length) return false;
  const given = Object.keys(values).filter((name) => values[name] !== undefined);
  throw new ConfigError(first, `required together with ${given.join(', ')}`);
}

function readNotification(read: EnvReader): NotificationConfig {
  const variable = (name: string) => `GUARDYN_NOTIFICATION__${name}`;
  const appleId = /^[A-Z0-9]{10}$/;
  const fcmFile = optionalPath(read.raw(variable('FCM_CREDENTIALS_FILE')));
  const fcmUrl = read.url(variable('FCM_URL'), ['http', 'https']) ?? 'https://fcm.googleapis.com';
  const apnsUrl = read.url(variable('APNS_URL'), ['https']) ?? 'https://api.push.apple.com';
  const apnsCaFile = optionalPath(read.raw(variable('APNS_CA_FILE')));
  const keyFile = optionalPath(read.raw(variable('APNS_KEY_FILE')));
  const keyId = read.matching(variable('APNS_KEY_ID'), appleId, 'a 10-character key id');
  const teamId = read.matching(variable('APNS_TEAM_ID'), appleId, 'a 10-character team id');
  const topic = read.matching(variable('APNS_TOPIC'), /^[A-Za-z0-9.-]{1,255}$/, 'a bundle id');
  const apnsComplete = requireTogether({
    [variable('APNS_KEY_FILE')]: keyFile,
    [variable('APNS_KEY_ID')]: keyId,
    [variable('APNS_TEAM_ID')]: teamId,
    [variable('APNS_TOPIC')]: topic,
  });
  return {
    collapseSeconds: read.integer(variable('COLLAPSE_SECONDS'), 1, 3600) ?? 30,
    fcm:
      fcmFile === undefined
        ? undefined
        : { credentialsFile: fcmFile, url: fcmUrl.replace(/\/+$/, '') },
    apns:
      apnsComplete && keyFile && keyId && teamId && topic
        ? { keyFile, keyId, teamId, topic, url: apnsUrl, caFile: apnsCaFile }
        : undefined,
  };
}

/** Loopback by default; in embedded mode always, since every gateway-to-subgraph hop uses it. */
function trustedProxies(read: EnvReader, service: ServiceName | 'embedded'): string[] {
  const configured = read.cidrs('GUARDYN_HTTP__TRUSTED_PROXIES');
  if (configured === undefined) return [...loopbackRanges];
  return service === 'embedded' ? [...new Set([...loopbackRanges, ...configured])] : configured;
}

/**
 * Parses the `GUARDYN_*` environment (`__` separates nesting levels: GUARDYN_DATABASE__SCYLLADB_NODES
 * is `database.scyllaNodes`). Throws ConfigError for the first bad value.
 */
export function loadConfig(env: Env): GuardynConfig {
  const read = new EnvReader(env);

  if (read.raw('GUARDYN_DATABASE__TIKV_PD_ENDPOINTS') !== undefined) {
    throw new ConfigError(
      'GUARDYN_DATABASE__TIKV_PD_ENDPOINTS',
      'TiKV is not supported (there is no maintained Node.js client); ScyllaDB takes its place: set GUARDYN_DATABASE__SCYLLADB_NODES instead',
    );
  }

  const subgraphUrls: Partial<Record<SubgraphName, string>> = {};
  for (const name of subgraphNames) {
    const url = read.url(`GUARDYN_GATEWAY__${name.toUpperCase()}_URL`, ['http', 'https']);
    if (url !== undefined) subgraphUrls[name] = url;
  }

  const service = read.oneOf('GUARDYN_SERVICE_NAME', serviceNames) ?? 'embedded';
  const config: GuardynConfig = {
    service,
    host: read.raw('GUARDYN_HOST') ?? '127.0.0.1',
    port: read.port('GUARDYN_PORT'),
    dataDir: path.resolve(read.raw('GUARDYN_DATA_DIR') ?? 'data'),
    http: { trustedProxies: trustedProxies(read, service) },
    database: {
      scyllaNodes: read.hostPorts('GUARDYN_DATABASE__SCYLLADB_NODES', 9042),
      scyllaLocalDataCenter: read.raw('GUARDYN_DATABASE__SCYLLADB_LOCAL_DC') ?? 'datacenter1',
      scyllaReplication: read.replication('GUARDYN_DATABASE__SCYLLADB_REPLICATION') ?? {
        strategy: 'SimpleStrategy',
        replicationFactor: 1,
      },
      scyllaKeyspacePrefix: keyspacePrefix(read.raw('GUARDYN_DATABASE__SCYLLADB_KEYSPACE_PREFIX')),
    },
    messaging: {
      natsUrl: read.url('GUARDYN_MESSAGING__NATS_URL', ['nats', 'tls']),
      retentionDays: read.integer('GUARDYN_MESSAGING__RETENTION_DAYS', 1, 3650) ?? 30,
      natsNamespace: read.matching(
        'GUARDYN_MESSAGING__NATS_NAMESPACE',
        /^[A-Za-z0-9_-]{1,64}$/,
        'a name of 1 to 64 of A-Z, a-z, 0-9, "_" and "-"',
      ),
      ...readSendLimits(read),
    },
    observability: {
      otlpEndpoint: read.url('GUARDYN_OBSERVABILITY__OTLP_ENDPOINT', ['http', 'https']),
      otlpProtocol:
        read.oneOf('GUARDYN_OBSERVABILITY__OTLP_PROTOCOL', otlpProtocols) ?? 'http/protobuf',
      logLevel: read.oneOf('GUARDYN_OBSERVABILITY__LOG_LEVEL', logLevels) ?? 'info',
      logFormat: read.oneOf('GUARDYN_OBSERVABILITY__LOG_FORMAT', logFormats) ?? 'auto',
    },
    gateway: {
      subgraphUrls,
      operationLimits: readOperationLimits(read),
      corsOrigins: read.origins('GUARDYN_GATEWAY__CORS_ORIGINS'),
      introspection:
        (read.oneOf('GUARDYN_GATEWAY__INTROSPECTION', ['true', 'false']) ??
          (env['NODE_ENV'] === 'production' ? 'false' : 'true')) === 'true',
      mergeQueries:
        (read.oneOf('GUARDYN_GATEWAY__MERGE_QUERIES', ['true', 'false']) ?? 'true') === 'true',
    },
    auth: {
      jwksUrl: read.url('GUARDYN_AUTH__JWKS_URL', ['http', 'https']),
      signingKeyFile: optionalPath(read.raw('GUARDYN_AUTH__SIGNING_KEY_FILE')),
      sealedSenderTrustRootFile: optionalPath(read.raw('GUARDYN_AUTH__SEALED_TRUST_ROOT_FILE')),
      sealedSenderCertificateFile: optionalPath(read.raw('GUARDYN_AUTH__SEALED_CERTIFICATE_FILE')),
      usernameQuarantineDays: read.integer('GUARDYN_AUTH__USERNAME_QUARANTINE_DAYS', 0, 3650) ?? 30,
    },
    media: readMedia(read),
    notification: readNotification(read),
  };
  read.refuseUnknown();
  return config;
}
