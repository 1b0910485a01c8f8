import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { projectRoot } from '../../../shared/supergraph/index.js';
import { freePorts } from '../../support/free-ports.js';

const run = promisify(execFile);
const version = process.env['CASSANDRA_VERSION'] ?? '5.0.9';

/**
 * A Cassandra node of the suite's own beside the shared one (scripts/cassandra.sh with its own
 * CASSANDRA_HOME and ports, the project's downloaded jars), which it may stop, kill and restart.
 */
export interface PrivateCassandra {
  /** `127.0.0.1:<port>`, for GUARDYN_DATABASE__SCYLLADB_NODES. */
  readonly contactPoint: string;
  /** Sends `signal` to the node and waits until the process is gone. */
  stop(signal: 'SIGTERM' | 'SIGKILL'): Promise<void>;
  /** Starts it again on its data; resolves once CQL answers. */
  start(): Promise<void>;
  /** Stops it and removes its folder. */
  dispose(): Promise<void>;
}

/**
 * The jars: CASSANDRA_LIB_DIR, else the project's .cassandra/<version>/lib (fetched by
 * `npm run cassandra:start`); a git worktree falls back to its main checkout's.
 */
async function libDir(): Promise<string> {
  const explicit = process.env['CASSANDRA_LIB_DIR'];
  if (explicit) return explicit;
  const own = path.join(projectRoot, '.cassandra', version, 'lib');
  if (existsSync(path.join(own, '.complete'))) return own;
  const { stdout } = await run('git', ['rev-parse', '--path-format=absolute', '--git-common-dir'], {
    cwd: projectRoot,
  });
  const main = path.join(path.dirname(stdout.trim()), '.cassandra', version, 'lib');
  if (existsSync(path.join(main, '.complete'))) return main;
  throw new Error(`no Cassandra jars in ${own}: run 'npm run cassandra:start' once`);
}

export async function startPrivateCassandra(): Promise<PrivateCassandra> {
  const home = await mkdtemp(path.join(tmpdir(), 'guardyn-faults-cassandra-'));
  const [cqlPort, storagePort, sslStoragePort] = await freePorts(3);
  const env = {
    ...process.env,
    CASSANDRA_HOME: home,
    CASSANDRA_LIB_DIR: await libDir(),
    CASSANDRA_HEAP: process.env['GUARDYN_FAULTS_CASSANDRA_HEAP'] ?? '768m',
    CASSANDRA_CQL_PORT: String(cqlPort),
    CASSANDRA_STORAGE_PORT: String(storagePort),
    CASSANDRA_SSL_STORAGE_PORT: String(sslStoragePort),
    CASSANDRA_CLUSTER_NAME: 'guardyn-faults',
    // A write is acknowledged once its commit log is on disk. With the default periodic sync a
    // SIGKILL loses the last 100 ms of acknowledged writes (the commit-log marker interval): one
    // node cannot keep what it acknowledged then, whatever Guardyn does (docs/storage-cql.md).
    CASSANDRA_COMMITLOG_SYNC: 'batch',
  };
  const script = path.join(projectRoot, 'scripts', 'cassandra.sh');
  const start = async () => {
    await run('bash', [script, 'start'], { env, maxBuffer: 1 << 22 });
  };
  const stop = async (signal: 'SIGTERM' | 'SIGKILL') => {
    const pidFile = path.join(home, 'cassandra.pid');
    if (!existsSync(pidFile)) return;
    const pid = Number((await readFile(pidFile, 'utf8')).trim());
    if (!processAlive(pid)) return;
    process.kill(pid, signal);
    const deadline = Date.now() + 60_000;
    while (processAlive(pid) && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    if (processAlive(pid)) process.kill(pid, 'SIGKILL');
    await rm(pidFile, { force: true });
  };
  await start();
  return {
    contactPoint: `127.0.0.1:${cqlPort}`,
    stop,
    start,
    async dispose() {
      await stop('SIGTERM');
      await rm(home, { recursive: true, force: true });
    },
  };
}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}
