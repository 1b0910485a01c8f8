import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { startGuardyn, type Guardyn, type StartOptions } from '../../main.js';
import { loadConfig, type GuardynConfig } from '../../shared/config/index.js';
import { deleteNatsNamespace } from './nats-namespace.js';

/** An embedded Guardyn on free ports with its own data folder, for one test file. */
export interface TestGuardyn extends Guardyn {
  readonly config: GuardynConfig;
  readonly dataDir: string;
  /** The gateway's GraphQL endpoint. */
  readonly url: string;
  /** Stops everything and removes the data folder. */
  dispose(): Promise<void>;
}

/**
 * Auth options for a test file that registers many accounts: they all come from one loopback
 * address, which the default per-address registration limit would soon refuse.
 */
export const manyRegistrations = {
  registrationsPerAddress: { limit: 1000, windowMs: 60_000 },
} as const;

/** What startGuardyn takes, and environment variables on top of the test defaults. */
export type TestGuardynOptions = StartOptions & { env?: Record<string, string> };

/**
 * Starts the whole supergraph in this process. Uses the real NATS when
 * GUARDYN_MESSAGING__NATS_URL is set (as CI does), else the in-process bus.
 */
export async function startTestGuardyn(options: TestGuardynOptions = {}): Promise<TestGuardyn> {
  const dataDir = await mkdtemp(path.join(tmpdir(), 'guardyn-test-'));
  const natsUrl = process.env['GUARDYN_MESSAGING__NATS_URL'];
  const namespace = `test${randomBytes(6).toString('hex')}`;
  const env: Record<string, string> = {
    GUARDYN_DATA_DIR: dataDir,
    GUARDYN_OBSERVABILITY__LOG_LEVEL: process.env['GUARDYN_TEST_LOG_LEVEL'] ?? 'silent',
    // On the shared NATS server, each test Guardyn gets its own subjects and stream.
    ...(natsUrl
      ? { GUARDYN_MESSAGING__NATS_URL: natsUrl, GUARDYN_MESSAGING__NATS_NAMESPACE: namespace }
      : {}),
    ...options.env,
  };
  const config = loadConfig(env);
  const guardyn = await startGuardyn(config, { ephemeralPorts: true, ...options });
  if (!guardyn.gateway) throw new Error('embedded mode starts a gateway');
  return {
    ...guardyn,
    config,
    dataDir,
    url: guardyn.gateway.url,
    async dispose() {
      await guardyn.stop();
      await rm(dataDir, { recursive: true, force: true });
      if (natsUrl) await deleteNatsNamespace(natsUrl, namespace);
    },
  };
}
