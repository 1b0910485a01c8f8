/** loadConfig: what the gateway reads (trusted proxies, operation limits, introspection, query merging, CORS). */
import { describe, expect, it } from '@jest/globals';
import { loadConfig } from './index.js';
import { configError } from './config-error.test-support.js';

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
