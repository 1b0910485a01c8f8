import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, expect, it } from '@jest/globals';
import { startGuardyn, type Guardyn } from '../../main.js';
import { loadConfig } from '../../shared/config/index.js';
import { freePorts } from '../support/free-ports.js';
import { postGraphQL } from '../support/graphql-client.js';

let guardyn: Guardyn | undefined;
let dataDir: string | undefined;
afterAll(async () => {
  await guardyn?.stop();
  if (dataDir) await rm(dataDir, { recursive: true, force: true });
});

it('starts without its CQL cluster, reports not ready with the reason, and refuses requests cleanly', async () => {
  dataDir = await mkdtemp(path.join(tmpdir(), 'guardyn-nocql-'));
  const [closedPort] = await freePorts(1); // nothing listens there
  const config = loadConfig({
    GUARDYN_SERVICE_NAME: 'auth',
    GUARDYN_DATA_DIR: dataDir,
    GUARDYN_OBSERVABILITY__LOG_LEVEL: 'silent',
    GUARDYN_DATABASE__SCYLLADB_NODES: `127.0.0.1:${closedPort}`,
  });
  guardyn = await startGuardyn(config, { ephemeralPorts: true });
  const auth = guardyn.subgraphs.auth;
  if (!auth) throw new Error('auth did not start');

  const health = await fetch(`${auth.origin}/health`);
  expect(health.status).toBe(503);
  const report = (await health.json()) as {
    status: string;
    waitingFor: string[];
    checks: { store: { status: string; detail: string }; bus: { status: string } };
  };
  expect(report.status).toBe('degraded');
  // Only the store: the bus (in process here) and GraphQL itself are up.
  expect(report.waitingFor).toEqual(['store']);
  expect(report.checks.bus.status).toBe('ok');
  expect(report.checks.store.status).toBe('down');
  expect(report.checks.store.detail).toContain(`127.0.0.1:${closedPort}`);

  const response = await postGraphQL(auth.url, '{ userByUsername(username: "nobody") { id } }');
  expect(response.errors?.[0]?.extensions?.code).toMatch(/^(SERVICE_UNAVAILABLE|UNAUTHENTICATED)$/);
  const refused = await postGraphQL(
    auth.url,
    'mutation { login(input: { username: "nobody", password: "whatever1", deviceId: 1 }) { accessToken } }',
  );
  expect(refused.errors?.[0]?.extensions?.code).toBe('SERVICE_UNAVAILABLE');
  expect(JSON.stringify(refused.errors)).not.toContain(String(closedPort));
});
