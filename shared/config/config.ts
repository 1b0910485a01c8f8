import path from 'node:path';
import { logLevels, type LogLevel } from '../logging/index.js';
import { serviceNames, subgraphNames, type ServiceName, type SubgraphName } from './services.js';

/** Everything Guardyn reads from its environment, parsed once at start. */
export interface GuardynConfig {
  /** `embedded` (GUARDYN_SERVICE_NAME unset): all six services in one process. */
  readonly service: ServiceName | 'embedded';
  readonly host: string;
  /** GUARDYN_PORT; unset means the service's default port (gateway 4000, subgraphs 4001..4005). */
  readonly port: number | undefined;
  readonly dataDir: string;
  readonly database: {
    /** Non-empty switches every store to ScyllaDB (CQL); empty means embedded SQLite. */
    readonly scyllaNodes: readonly string[];
    readonly scyllaLocalDataCenter: string;
  };
  readonly messaging: {
    /** Set switches the event bus to NATS (JetStream for durable subjects). */
    readonly natsUrl: string | undefined;
    /** Days an unacknowledged envelope is kept in a mailbox. */
    readonly retentionDays: number;
  };
  readonly observability: {
    readonly otlpEndpoint: string | undefined;
    readonly logLevel: LogLevel;
  };
  readonly gateway: {
    /** Overrides of supergraph.yaml's routing_url, from GUARDYN_GATEWAY__<NAME>_URL. */
    readonly subgraphUrls: Readonly<Partial<Record<SubgraphName, string>>>;
  };
  readonly auth: {
    /** Where verifiers fetch the auth subgraph's public keys in distributed mode. */
    readonly jwksUrl: string | undefined;
    /** The auth service's private signing keys (JWK set); default `<dataDir>/keys/auth-signing-keys.json`. */
    readonly signingKeyFile: string | undefined;
  };
}

/** A bad environment value; the message names the variable and what is wrong with it. */
export class ConfigError extends Error {
  constructor(
    readonly variable: string,
    problem: string,
  ) {
    super(`${variable}: ${problem}`);
    this.name = 'ConfigError';
  }
}

const prefix = 'GUARDYN_';
type Env = Readonly<Record<string, string | undefined>>;

/** Reads one variable at a time and remembers which ones it knows, to refuse the unknown. */
class EnvReader {
  private readonly known = new Set<string>();
  constructor(private readonly env: Env) {}

  /** The value with surrounding blanks removed; undefined when unset or empty. */
  raw(name: string): string | undefined {
    this.known.add(name);
    const value = this.env[name]?.trim();
    return value === '' ? undefined : value;
  }

  oneOf<T extends string>(name: string, allowed: readonly T[]): T | undefined {
    const value = this.raw(name);
    if (value === undefined) return undefined;
    if (!(allowed as readonly string[]).includes(value)) {
      throw new ConfigError(name, `"${value}" is not one of ${allowed.join(', ')}`);
    }
    return value as T;
  }

  port(name: string): number | undefined {
    const value = this.raw(name);
    if (value === undefined) return undefined;
    if (!/^\d+$/.test(value) || Number(value) > 65535) {
      throw new ConfigError(name, `"${value}" is not a port number (0 to 65535)`);
    }
    return Number(value);
  }

  integer(name: string, min: number, max: number): number | undefined {
    const value = this.raw(name);
    if (value === undefined) return undefined;
    if (!/^\d+$/.test(value) || Number(value) < min || Number(value) > max) {
      throw new ConfigError(name, `"${value}" is not a whole number from ${min} to ${max}`);
    }
    return Number(value);
  }

  url(name: string, schemes: readonly string[]): string | undefined {
    const value = this.raw(name);
    if (value === undefined) return undefined;
    let parsed: URL;
    try {
      parsed = new URL(value);
    } catch {
      throw new ConfigError(name, `"${value}" is not a URL`);
    }
    const scheme = parsed.protocol.replace(/:$/, '');
    if (!schemes.includes(scheme)) {
      throw new ConfigError(name, `"${value}" must use ${schemes.join(' or ')}`);
    }
    return value;
  }

  hostPorts(name: string, defaultPort: number): string[] {
    const value = this.raw(name);
    if (value === undefined) return [];
    return value.split(',').map((entry) => {
      const node = entry.trim();
      const match = /^([A-Za-z0-9.-]+|\[[0-9a-fA-F:]+\])(?::(\d{1,5}))?$/.exec(node);
      const port = match?.[2] === undefined ? defaultPort : Number(match[2]);
      if (!match || port < 1 || port > 65535) {
        throw new ConfigError(name, `"${node}" is not host or host:port (comma-separated list)`);
      }
      return `${match[1]}:${port}`;
    });
  }

  /** Refuses GUARDYN_ variables nobody reads: a typo must not silently fall back to a default. */
  refuseUnknown(): void {
    for (const name of Object.keys(this.env)) {
      if (name.startsWith(prefix) && !this.known.has(name)) {
        throw new ConfigError(name, 'unknown setting (see the configuration table in README.md)');
      }
    }
  }
}

function optionalPath(value: string | undefined): string | undefined {
  return value === undefined ? undefined : path.resolve(value);
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

  const config: GuardynConfig = {
    service: read.oneOf('GUARDYN_SERVICE_NAME', serviceNames) ?? 'embedded',
    host: read.raw('GUARDYN_HOST') ?? '127.0.0.1',
    port: read.port('GUARDYN_PORT'),
    dataDir: path.resolve(read.raw('GUARDYN_DATA_DIR') ?? 'data'),
    database: {
      scyllaNodes: read.hostPorts('GUARDYN_DATABASE__SCYLLADB_NODES', 9042),
      scyllaLocalDataCenter: read.raw('GUARDYN_DATABASE__SCYLLADB_LOCAL_DC') ?? 'datacenter1',
    },
    messaging: {
      natsUrl: read.url('GUARDYN_MESSAGING__NATS_URL', ['nats', 'tls']),
      retentionDays: read.integer('GUARDYN_MESSAGING__RETENTION_DAYS', 1, 3650) ?? 30,
    },
    observability: {
      otlpEndpoint: read.url('GUARDYN_OBSERVABILITY__OTLP_ENDPOINT', ['http', 'https']),
      logLevel: read.oneOf('GUARDYN_OBSERVABILITY__LOG_LEVEL', logLevels) ?? 'info',
    },
    gateway: { subgraphUrls },
    auth: {
      jwksUrl: read.url('GUARDYN_AUTH__JWKS_URL', ['http', 'https']),
      signingKeyFile: optionalPath(read.raw('GUARDYN_AUTH__SIGNING_KEY_FILE')),
    },
  };
  read.refuseUnknown();
  return config;
}
