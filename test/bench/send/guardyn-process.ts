import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { dropTestKeyspaces } from '../../../shared/cql/testing.js';
import { loadConfig } from '../../../shared/config/index.js';
import { freePortRange } from '../../support/free-ports.js';
import { deleteNatsNamespace } from '../../support/nats-namespace.js';

/** Where a benchmarked Guardyn stores its data and carries its events. */
export interface DistributedBackends {
  readonly cqlNodes: string;
  readonly natsUrl: string;
}

/** One embedded Guardyn in a child process, as production runs it. */
export interface GuardynProcess {
  /** The gateway's GraphQL endpoint. */
  readonly url: string;
  /** The messaging subgraph's GraphQL endpoint (embedded: the gateway's port + 2). */
  readonly messagingUrl: string;
  readonly pid: number;
  stop(): Promise<void>;
}

/**
 * The per-user send limits stand between one benchmark sender and 1,000 sends a second, and a
 * one-device mailbox fills at 100,000 pending envelopes; the benchmark raises them (production
 * defaults stay as they are). Everything else is the production configuration.
 */
export const benchLimits: Readonly<Record<string, string>> = {
  GUARDYN_MESSAGING__SEND_RATE_PER_MINUTE: '100000',
  GUARDYN_MESSAGING__SEND_BYTES_PER_MINUTE: String(2 ** 40),
  GUARDYN_MESSAGING__MAILBOX_MAX_ENVELOPES: '10000000',
  GUARDYN_MESSAGING__MAILBOX_MAX_BYTES: String(2 ** 40),
};

async function waitForHealth(origin: string, child: ChildProcess, output: () => string) {
  const deadline = Date.now() + 120_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`exited with ${child.exitCode}\n${output()}`);
    try {
      if ((await fetch(`${origin}/health`)).ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  throw new Error(`${origin} not healthy after 120 s\n${output()}`);
}

/**
 * Starts `main.ts` of the checkout at `root` (this one, or another for a side-by-side baseline)
 * with NODE_ENV=production, a temporary data folder and a free port range; on SQLite and the
 * in-process bus, or on the given Cassandra and NATS in keyspaces and a namespace of its own.
 */
export async function startGuardynProcess(
  root: string,
  distributed: DistributedBackends | undefined,
): Promise<GuardynProcess> {
  const dataDir = await mkdtemp(path.join(tmpdir(), 'guardyn-bench-send-'));
  const port = await freePortRange(6);
  const suffix = randomBytes(4).toString('hex');
  const namespace = `benchsend${suffix}`;
  const keyspacePrefix = `b_send_${suffix}`;
  const env: Record<string, string> = {
    PATH: process.env['PATH'] ?? '',
    HOME: process.env['HOME'] ?? '',
    NODE_ENV: 'production',
    GUARDYN_DATA_DIR: dataDir,
    GUARDYN_PORT: String(port),
    GUARDYN_OBSERVABILITY__LOG_LEVEL: 'warn',
    GUARDYN_OBSERVABILITY__LOG_FORMAT: 'json',
    ...benchLimits,
    ...(distributed
      ? {
          GUARDYN_DATABASE__SCYLLADB_NODES: distributed.cqlNodes,
          GUARDYN_DATABASE__SCYLLADB_KEYSPACE_PREFIX: keyspacePrefix,
          GUARDYN_MESSAGING__NATS_URL: distributed.natsUrl,
          GUARDYN_MESSAGING__NATS_NAMESPACE: namespace,
        }
      : {}),
  };
  // Node itself with tsx's loader (as `tsx main.ts` runs it), so that node flags such as
  // --cpu-prof (GUARDYN_BENCH_SEND_NODE_ARGS) apply to the server.
  const nodeArgs = (process.env['GUARDYN_BENCH_SEND_NODE_ARGS'] ?? '').split(' ').filter(Boolean);
  const child = spawn(process.execPath, [...nodeArgs, '--import', 'tsx', 'main.ts'], {
    cwd: root,
    env,
  });
  let output = '';
  const keep = (chunk: Buffer) => (output = (output + chunk.toString()).slice(-20_000));
  child.stdout.on('data', keep);
  child.stderr.on('data', keep);
  const stop = async () => {
    if (child.exitCode === null) {
      await new Promise<void>((resolve) => {
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      });
    }
    await rm(dataDir, { recursive: true, force: true });
    if (distributed) {
      await deleteNatsNamespace(distributed.natsUrl, namespace);
      const { database } = loadConfig({
        GUARDYN_DATABASE__SCYLLADB_NODES: distributed.cqlNodes,
        GUARDYN_DATABASE__SCYLLADB_KEYSPACE_PREFIX: keyspacePrefix,
      });
      await dropTestKeyspaces(database);
    }
  };
  try {
    await waitForHealth(`http://127.0.0.1:${port}`, child, () => output);
  } catch (error) {
    await stop();
    throw error;
  }
  return {
    url: `http://127.0.0.1:${port}/graphql`,
    messagingUrl: `http://127.0.0.1:${port + 2}/graphql`,
    pid: child.pid ?? 0,
    stop,
  };
}
