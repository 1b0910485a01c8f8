import path from 'node:path';
import { describe, expect, it } from '@jest/globals';
import { ConfigError, loadConfig } from './index.js';

function configError(env: Record<string, string>): ConfigError {
  try {
    loadConfig(env);
  } catch (error) {
    if (error instanceof ConfigError) return error;
    throw error;
  }
  throw new Error('expected a ConfigError');
}

describe('loadConfig', () => {
  it('defaults to embedded mode with SQLite, the in-process bus and ./data', () => {
    const config = loadConfig({});
    expect(config.service).toBe('embedded');
    expect(config.port).toBeUndefined();
    expect(config.dataDir).toBe(path.resolve('data'));
    expect(config.database.scyllaNodes).toEqual([]);
    expect(config.messaging.natsUrl).toBeUndefined();
    expect(config.observability.logLevel).toBe('info');
    expect(config.observability).toMatchObject({
      otlpEndpoint: undefined,
      otlpProtocol: 'http/protobuf',
    });
  });

  it('reads every documented variable, with __ as the nesting separator', () => {
    const config = loadConfig({
      GUARDYN_SERVICE_NAME: 'messaging',
      GUARDYN_HOST: '0.0.0.0',
      GUARDYN_PORT: '8080',
      GUARDYN_DATA_DIR: '/tmp/guardyn',
      GUARDYN_DATABASE__SCYLLADB_NODES: 'scylla-0:9042, scylla-1',
      GUARDYN_MESSAGING__NATS_URL: 'nats://nats:4222',
      GUARDYN_MESSAGING__RETENTION_DAYS: '7',
      GUARDYN_OBSERVABILITY__OTLP_ENDPOINT: 'http://otel:4317',
      GUARDYN_OBSERVABILITY__OTLP_PROTOCOL: 'grpc',
      GUARDYN_OBSERVABILITY__LOG_LEVEL: 'debug',
      GUARDYN_GATEWAY__AUTH_URL: 'http://auth:4001/graphql',
      GUARDYN_AUTH__JWKS_URL: 'http://auth:4001/.well-known/jwks.json',
      PATH: '/usr/bin',
    });
    expect(config).toMatchObject({
      service: 'messaging',
      host: '0.0.0.0',
      port: 8080,
      dataDir: '/tmp/guardyn',
      database: { scyllaNodes: ['scylla-0:9042', 'scylla-1:9042'] },
      messaging: { natsUrl: 'nats://nats:4222', retentionDays: 7 },
      observability: { otlpEndpoint: 'http://otel:4317', otlpProtocol: 'grpc', logLevel: 'debug' },
      gateway: { subgraphUrls: { auth: 'http://auth:4001/graphql' } },
      auth: { jwksUrl: 'http://auth:4001/.well-known/jwks.json' },
    });
  });

  it.each([
    [{ GUARDYN_PORT: 'abc' }, 'GUARDYN_PORT', 'not a port number'],
    [{ GUARDYN_PORT: '70000' }, 'GUARDYN_PORT', 'not a port number'],
    [{ GUARDYN_SERVICE_NAME: 'billing' }, 'GUARDYN_SERVICE_NAME', 'not one of gateway, auth'],
    [
      { GUARDYN_OBSERVABILITY__LOG_LEVEL: 'loud' },
      'GUARDYN_OBSERVABILITY__LOG_LEVEL',
      'not one of',
    ],
    [
      { GUARDYN_MESSAGING__NATS_URL: 'http://nats:4222' },
      'GUARDYN_MESSAGING__NATS_URL',
      'must use nats',
    ],
    [
      { GUARDYN_OBSERVABILITY__OTLP_PROTOCOL: 'http/json' },
      'GUARDYN_OBSERVABILITY__OTLP_PROTOCOL',
      'not one of http/protobuf, grpc',
    ],
    [
      { GUARDYN_OBSERVABILITY__OTLP_ENDPOINT: 'not a url' },
      'GUARDYN_OBSERVABILITY__OTLP_ENDPOINT',
      'not a URL',
    ],
    [
      { GUARDYN_DATABASE__SCYLLADB_NODES: 'a:1,b c' },
      'GUARDYN_DATABASE__SCYLLADB_NODES',
      'not host or host:port',
    ],
    [
      { GUARDYN_MESSAGING__NATS_NAMESPACE: 'a.b' },
      'GUARDYN_MESSAGING__NATS_NAMESPACE',
      'is not a name of 1 to 64',
    ],
    [
      { GUARDYN_MESSAGING__RETENTION_DAYS: '0' },
      'GUARDYN_MESSAGING__RETENTION_DAYS',
      'from 1 to 3650',
    ],
    [{ GUARDYN_MESSAGING_NATS_URL: 'nats://x' }, 'GUARDYN_MESSAGING_NATS_URL', 'unknown setting'],
  ])('refuses %j naming the variable', (env, variable, problem) => {
    const error = configError(env);
    expect(error.variable).toBe(variable);
    expect(error.message).toContain(variable);
    expect(error.message).toContain(problem);
    expect(error.message).not.toContain('\n');
  });

  it('refuses TiKV and says that ScyllaDB takes its place', () => {
    const error = configError({ GUARDYN_DATABASE__TIKV_PD_ENDPOINTS: 'pd-0:2379' });
    expect(error.variable).toBe('GUARDYN_DATABASE__TIKV_PD_ENDPOINTS');
    expect(error.message).toMatch(/TiKV is not supported.*GUARDYN_DATABASE__SCYLLADB_NODES/);
  });
});

describe('loadConfig: media and notification', () => {
  it('defaults to 100 MiB attachments, 5 MiB avatars, 15-minute URLs and no push providers', () => {
    const { media, notification } = loadConfig({});
    expect(media).toEqual({
      publicUrl: undefined,
      maxAttachmentBytes: 100 * 1024 * 1024,
      maxAvatarBytes: 5 * 1024 * 1024,
      downloadUrlTtlSeconds: 900,
    });
    expect(notification).toEqual({ collapseSeconds: 30, fcm: undefined, apns: undefined });
  });

  it('reads the media limits, the public URL and both providers', () => {
    const { media, notification } = loadConfig({
      GUARDYN_MEDIA__PUBLIC_URL: 'https://media.example.org/',
      GUARDYN_MEDIA__MAX_ATTACHMENT_BYTES: '1048576',
      GUARDYN_MEDIA__MAX_AVATAR_BYTES: '65536',
      GUARDYN_MEDIA__DOWNLOAD_URL_TTL_SECONDS: '60',
      GUARDYN_NOTIFICATION__COLLAPSE_SECONDS: '10',
      GUARDYN_NOTIFICATION__FCM_CREDENTIALS_FILE: '/secrets/fcm.json',
      GUARDYN_NOTIFICATION__FCM_URL: 'http://127.0.0.1:9999',
      GUARDYN_NOTIFICATION__APNS_KEY_FILE: '/secrets/AuthKey.p8',
      GUARDYN_NOTIFICATION__APNS_KEY_ID: 'ABCDE12345',
      GUARDYN_NOTIFICATION__APNS_TEAM_ID: 'TEAM123456',
      GUARDYN_NOTIFICATION__APNS_TOPIC: 'org.example.guardyn',
      GUARDYN_NOTIFICATION__APNS_URL: 'https://api.sandbox.push.apple.com',
    });
    expect(media).toEqual({
      publicUrl: 'https://media.example.org',
      maxAttachmentBytes: 1048576,
      maxAvatarBytes: 65536,
      downloadUrlTtlSeconds: 60,
    });
    expect(notification).toEqual({
      collapseSeconds: 10,
      fcm: { credentialsFile: '/secrets/fcm.json', url: 'http://127.0.0.1:9999' },
      apns: {
        keyFile: '/secrets/AuthKey.p8',
        keyId: 'ABCDE12345',
        teamId: 'TEAM123456',
        topic: 'org.example.guardyn',
        url: 'https://api.sandbox.push.apple.com',
        caFile: undefined,
      },
    });
    expect(
      loadConfig({ GUARDYN_NOTIFICATION__FCM_CREDENTIALS_FILE: 'f.json' }).notification.fcm,
    ).toEqual({ credentialsFile: path.resolve('f.json'), url: 'https://fcm.googleapis.com' });
  });

  it.each([
    [{ GUARDYN_MEDIA__PUBLIC_URL: 'ftp://media' }, 'GUARDYN_MEDIA__PUBLIC_URL', 'must use http'],
    [{ GUARDYN_MEDIA__MAX_ATTACHMENT_BYTES: '0' }, 'GUARDYN_MEDIA__MAX_ATTACHMENT_BYTES', 'from 1'],
    [
      { GUARDYN_MEDIA__MAX_AVATAR_BYTES: '3000000000' },
      'GUARDYN_MEDIA__MAX_AVATAR_BYTES',
      'to 2147483647',
    ],
    [
      { GUARDYN_MEDIA__DOWNLOAD_URL_TTL_SECONDS: '5' },
      'GUARDYN_MEDIA__DOWNLOAD_URL_TTL_SECONDS',
      'from 10',
    ],
    [
      { GUARDYN_NOTIFICATION__APNS_URL: 'http://apns' },
      'GUARDYN_NOTIFICATION__APNS_URL',
      'must use https',
    ],
    [
      { GUARDYN_NOTIFICATION__APNS_KEY_ID: 'short' },
      'GUARDYN_NOTIFICATION__APNS_KEY_ID',
      'not a 10-character key id',
    ],
    [
      {
        GUARDYN_NOTIFICATION__APNS_KEY_FILE: '/k.p8',
        GUARDYN_NOTIFICATION__APNS_KEY_ID: 'ABCDE12345',
      },
      'GUARDYN_NOTIFICATION__APNS_TEAM_ID',
      'required together with GUARDYN_NOTIFICATION__APNS_KEY_FILE',
    ],
    [
      { GUARDYN_NOTIFICATION__COLLAPSE_SECONDS: '0' },
      'GUARDYN_NOTIFICATION__COLLAPSE_SECONDS',
      'from 1 to 3600',
    ],
  ])('refuses %j naming the variable', (env, variable, problem) => {
    const error = configError(env);
    expect(error.variable).toBe(variable);
    expect(error.message).toContain(problem);
    expect(error.message).not.toContain('\n');
  });
});

describe('loadConfig: ScyllaDB keyspaces', () => {
  it('defaults to SimpleStrategy with one replica and the guardyn prefix', () => {
    const { database } = loadConfig({});
    expect(database.scyllaReplication).toEqual({
      strategy: 'SimpleStrategy',
      replicationFactor: 1,
    });
    expect(database.scyllaKeyspacePrefix).toBe('guardyn');
  });

  it('reads the replication and the keyspace prefix', () => {
    expect(
      loadConfig({ GUARDYN_DATABASE__SCYLLADB_REPLICATION: 'SimpleStrategy:3' }).database
        .scyllaReplication,
    ).toEqual({ strategy: 'SimpleStrategy', replicationFactor: 3 });
    const { database } = loadConfig({
      GUARDYN_DATABASE__SCYLLADB_REPLICATION: 'NetworkTopologyStrategy:dc1=3, eu-west=2',
      GUARDYN_DATABASE__SCYLLADB_KEYSPACE_PREFIX: 'prod_eu',
    });
    expect(database.scyllaReplication).toEqual({
      strategy: 'NetworkTopologyStrategy',
      dataCenters: { dc1: 3, 'eu-west': 2 },
    });
    expect(database.scyllaKeyspacePrefix).toBe('prod_eu');
  });

  it.each([
    [
      'GUARDYN_DATABASE__SCYLLADB_REPLICATION',
      'SimpleStrategy',
      'expected SimpleStrategy:<factor>',
    ],
    ['GUARDYN_DATABASE__SCYLLADB_REPLICATION', 'SimpleStrategy:0', 'factors 1 to 99'],
    [
      'GUARDYN_DATABASE__SCYLLADB_REPLICATION',
      'NetworkTopologyStrategy:dc1',
      'each data center once',
    ],
    [
      'GUARDYN_DATABASE__SCYLLADB_REPLICATION',
      'NetworkTopologyStrategy:dc1=3,dc1=2',
      'each data center once',
    ],
    ['GUARDYN_DATABASE__SCYLLADB_REPLICATION', 'EverywhereStrategy:1', 'expected SimpleStrategy'],
    ['GUARDYN_DATABASE__SCYLLADB_KEYSPACE_PREFIX', 'Guardyn', 'not a keyspace prefix'],
    ['GUARDYN_DATABASE__SCYLLADB_KEYSPACE_PREFIX', 'a'.repeat(33), 'not a keyspace prefix'],
  ])('refuses %s=%s', (variable, value, problem) => {
    const error = configError({ [variable]: value });
    expect(error.variable).toBe(variable);
    expect(error.message).toContain(problem);
    expect(error.message).not.toContain('\n');
  });
});

describe('loadConfig: trusted proxies', () => {
  const variable = 'GUARDYN_HTTP__TRUSTED_PROXIES';

  it('trusts loopback by default, embedded or not', () => {
    expect(loadConfig({}).http.trustedProxies).toEqual(['127.0.0.0/8', '::1/128']);
    expect(loadConfig({ GUARDYN_SERVICE_NAME: 'auth' }).http.trustedProxies).toEqual([
      '127.0.0.0/8',
      '::1/128',
    ]);
  });

  it('takes the list as given in distributed mode, and adds loopback in embedded mode', () => {
    const list = '10.244.0.0/16, FD00::/8,192.0.2.7';
    expect(
      loadConfig({ GUARDYN_SERVICE_NAME: 'gateway', [variable]: list }).http.trustedProxies,
    ).toEqual(['10.244.0.0/16', 'fd00::/8', '192.0.2.7/32']);
    expect(loadConfig({ [variable]: list }).http.trustedProxies).toEqual([
      '127.0.0.0/8',
      '::1/128',
      '10.244.0.0/16',
      'fd00::/8',
      '192.0.2.7/32',
    ]);
  });

  it.each([
    ['10.0.0.0/33', 'prefix length must be 0 to 32'],
    ['10.0.0.0/8,,fd00::/8', 'not an IP address or CIDR range'],
    ['proxy.internal', 'not an IP address or CIDR range'],
  ])('refuses %j', (value, problem) => {
    const error = configError({ [variable]: value });
    expect(error.variable).toBe(variable);
    expect(error.message).toContain(problem);
  });
});

describe('loadConfig: send rate and mailbox quota', () => {
  it('defaults to 30 sends and 32 MiB per sender per minute, 100000 envelopes and 512 MiB per mailbox', () => {
    expect(loadConfig({}).messaging).toMatchObject({
      sendRatePerMinute: 30,
      sendBytesPerMinute: 32 * 1024 * 1024,
      mailboxMaxEnvelopes: 100_000,
      mailboxMaxBytes: 512 * 1024 * 1024,
    });
  });

  it('reads them', () => {
    expect(
      loadConfig({
        GUARDYN_MESSAGING__SEND_RATE_PER_MINUTE: '5',
        GUARDYN_MESSAGING__SEND_BYTES_PER_MINUTE: '1048576',
        GUARDYN_MESSAGING__MAILBOX_MAX_ENVELOPES: '10',
        GUARDYN_MESSAGING__MAILBOX_MAX_BYTES: '262144',
      }).messaging,
    ).toMatchObject({
      sendRatePerMinute: 5,
      sendBytesPerMinute: 1048576,
      mailboxMaxEnvelopes: 10,
      mailboxMaxBytes: 262144,
    });
  });

  it.each([
    ['GUARDYN_MESSAGING__SEND_RATE_PER_MINUTE', '0'],
    ['GUARDYN_MESSAGING__SEND_RATE_PER_MINUTE', 'lots'],
    ['GUARDYN_MESSAGING__SEND_BYTES_PER_MINUTE', '65535'],
    ['GUARDYN_MESSAGING__MAILBOX_MAX_ENVELOPES', '0'],
    ['GUARDYN_MESSAGING__MAILBOX_MAX_BYTES', '1024'],
    ['GUARDYN_MESSAGING__MAILBOX_MAX_BYTES', '1e9'],
  ])('refuses %s=%s', (variable, value) => {
    const error = configError({ [variable]: value });
    expect(error.variable).toBe(variable);
    expect(error.message).toContain('is not a whole number from');
  });
});

describe('loadConfig: gateway operation limits', () => {
  it('defaults to depth 12, 50 aliases, 20 top-level fields and cost 5000', () => {
    expect(loadConfig({}).gateway.operationLimits).toEqual({
      maxDepth: 12,
      maxAliases: 50,
      maxRootFields: 20,
      maxCost: 5000,
    });
  });

  it('reads each limit and refuses values out of range', () => {
    const limits = loadConfig({
      GUARDYN_GATEWAY__MAX_DEPTH: '8',
      GUARDYN_GATEWAY__MAX_ALIASES: '0',
      GUARDYN_GATEWAY__MAX_ROOT_FIELDS: '5',
      GUARDYN_GATEWAY__MAX_COST: '200',
    }).gateway.operationLimits;
    expect(limits).toEqual({ maxDepth: 8, maxAliases: 0, maxRootFields: 5, maxCost: 200 });
    for (const [variable, value] of [
      ['GUARDYN_GATEWAY__MAX_DEPTH', '0'],
      ['GUARDYN_GATEWAY__MAX_ALIASES', '-1'],
      ['GUARDYN_GATEWAY__MAX_ROOT_FIELDS', 'many'],
      ['GUARDYN_GATEWAY__MAX_COST', '1e9'],
    ] as const) {
      const error = configError({ [variable]: value });
      expect(error.variable).toBe(variable);
      expect(error.message).toContain('is not a whole number');
    }
  });
});

describe('loadConfig: GUARDYN_GATEWAY__INTROSPECTION', () => {
  it('defaults to on, and to off when NODE_ENV=production', () => {
    expect(loadConfig({}).gateway.introspection).toBe(true);
    expect(loadConfig({ NODE_ENV: 'development' }).gateway.introspection).toBe(true);
    expect(loadConfig({ NODE_ENV: 'production' }).gateway.introspection).toBe(false);
  });

  it('reads true and false, whatever NODE_ENV says, and refuses anything else', () => {
    const read = (value: string, nodeEnv = 'production') =>
      loadConfig({ NODE_ENV: nodeEnv, GUARDYN_GATEWAY__INTROSPECTION: value }).gateway
        .introspection;
    expect(read('true')).toBe(true);
    expect(read('false', 'development')).toBe(false);
    const error = configError({ GUARDYN_GATEWAY__INTROSPECTION: 'yes' });
    expect(error.variable).toBe('GUARDYN_GATEWAY__INTROSPECTION');
  });
});

describe('loadConfig: GUARDYN_GATEWAY__MERGE_QUERIES', () => {
  it('defaults to on, reads true and false, and refuses anything else', () => {
    expect(loadConfig({}).gateway.mergeQueries).toBe(true);
    const read = (value: string) =>
      loadConfig({ GUARDYN_GATEWAY__MERGE_QUERIES: value }).gateway.mergeQueries;
    expect(read('false')).toBe(false);
    expect(read('true')).toBe(true);
    expect(configError({ GUARDYN_GATEWAY__MERGE_QUERIES: 'off' }).variable).toBe(
      'GUARDYN_GATEWAY__MERGE_QUERIES',
    );
  });
});

describe('loadConfig: log format', () => {
  const variable = 'GUARDYN_OBSERVABILITY__LOG_FORMAT';

  it('defaults to auto (readable on a terminal) and reads json and pretty', () => {
    expect(loadConfig({}).observability.logFormat).toBe('auto');
    expect(loadConfig({ [variable]: 'json' }).observability.logFormat).toBe('json');
    expect(loadConfig({ [variable]: 'pretty' }).observability.logFormat).toBe('pretty');
  });

  it('refuses anything else', () => {
    const error = configError({ [variable]: 'fancy' });
    expect(error.variable).toBe(variable);
    expect(error.message).toContain('not one of auto, json, pretty');
  });
});

describe('loadConfig: CORS origins', () => {
  const variable = 'GUARDYN_GATEWAY__CORS_ORIGINS';

  it('allows no browser origin by default', () => {
    expect(loadConfig({}).gateway.corsOrigins).toEqual([]);
  });

  it('reads exact origins, normalized', () => {
    expect(
      loadConfig({ [variable]: 'https://App.example, http://localhost:5173' }).gateway.corsOrigins,
    ).toEqual(['https://app.example', 'http://localhost:5173']);
  });

  it.each([['https://*.example'], ['https://app.example/path'], ['app.example']])(
    'refuses %j',
    (value) => {
      const error = configError({ [variable]: value });
      expect(error.variable).toBe(variable);
      expect(error.message).toContain('comma-separated list');
    },
  );
});
