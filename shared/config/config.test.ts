/** loadConfig: defaults, the documented variables, the refusal of unknown ones, and the log format. */
import path from 'node:path';
import { describe, expect, it } from '@jest/globals';
import { loadConfig } from './index.js';
import { configError } from './config-error.test-support.js';

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
      GUARDYN_AUTH__USERNAME_QUARANTINE_DAYS: '7',
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
      auth: { jwksUrl: 'http://auth:4001/.well-known/jwks.json', usernameQuarantineDays: 7 },
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
      { GUARDYN_AUTH__USERNAME_QUARANTINE_DAYS: '-1' },
      'GUARDYN_AUTH__USERNAME_QUARANTINE_DAYS',
      'from 0 to 3650',
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
