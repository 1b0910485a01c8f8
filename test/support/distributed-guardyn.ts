import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { serviceNames, subgraphNames, type ServiceName } from '../../shared/config/index.js';
import { projectRoot } from '../../shared/supergraph/index.js';
import { freePorts } from './free-ports.js';
import { deleteNatsNamespace } from './nats-namespace.js';

/**
 * `node --import tsx`, not the tsx binary: that one runs the service in a child process of its
 * own, which a SIGKILL of the binary would leave running (and holding the port).
 */
const nodeWithTsx = [process.execPath, '--import', 'tsx'] as const;

/** The six services as separate processes, as in a distributed deployment. */
export interface DistributedGuardyn {
  /** The gateway's GraphQL endpoint. */
  readonly url: string;
  /** The data folder the services share (SQLite files, blobs, keys). */
  readonly dataDir: string;
  readonly ports: Readonly<Record<ServiceName, number>>;
  /** Output of every process, for failure messages. */
  readonly logs: () => string;
  /** Stops one service's process (SIGTERM, as a deployment would) and waits for it to exit. */
  stopService(name: ServiceName): Promise<void>;
  /** Kills one service's process with SIGKILL (a crash: no shutdown hooks) and waits for it to exit. */
  killService(name: ServiceName): Promise<void>;
  /** Starts a stopped service again, on its port, and waits until it is healthy. */
  startService(name: ServiceName): Promise<void>;
  /**
   * Starts one more process of `name` on a port of its own (`env` on top of the shared
   * variables, e.g. another GUARDYN_GATEWAY__MESSAGING_URL), stopped by `dispose` too.
   */
  startReplica(name: ServiceName, env?: Record<string, string>): Promise<ServiceReplica>;
  /** Services that exited without being stopped or killed, in order (see `restartCrashed`). */
  crashes(): readonly ServiceCrash[];
  /** The process id of a service's main process (to crash it from outside, in tests). */
  pidOf(name: ServiceName): number | undefined;
  dispose(): Promise<void>;
}

/** A main service process that exited on its own. */
export interface ServiceCrash {
  readonly service: ServiceName;
  readonly at: number;
  readonly code: number | null;
  readonly signal: string | null;
}

/** A second process of a service (see startReplica). */
export interface ServiceReplica {
  readonly port: number;
  /** `http://127.0.0.1:<port>`. */
  readonly origin: string;
  /** SIGKILL, and resolves once the process is gone. */
  kill(): Promise<void>;
}

/** Sends `signal` (unless it has exited) and resolves once the process is gone. */
function terminate(child: ChildProcess, signal: 'SIGTERM' | 'SIGKILL' = 'SIGTERM'): Promise<void> {
  return new Promise<void>((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolve();
    child.once('exit', () => resolve());
    child.kill(signal);
  });
}

async function waitForHealth(
  origin: string,
  child: ChildProcess,
  timeoutMs: number,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`exited with ${child.exitCode}`);
    try {
      if ((await fetch(`${origin}/health`)).ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`${origin} not healthy after ${timeoutMs} ms`);
}

/**
 * Starts gateway, auth, messaging, presence, media and notification as one process each, with
 * GUARDYN_SERVICE_NAME, talking over HTTP and the NATS server at `natsUrl` (in a namespace of
 * their own). `env` adds variables to every process (e.g. GUARDYN_DATABASE__SCYLLADB_NODES).
 * `startTimeoutMs` (default 60 s) bounds each service's wait for a healthy `/health`.
 */
export async function startDistributedGuardyn(
  natsUrl: string,
  env: Record<string, string> = {},
  {
    startTimeoutMs = 60_000,
    restartCrashed = false,
  }: {
    startTimeoutMs?: number;
    /**
     * Starts a service whose main process exited on its own again, as an orchestrator's restart
     * policy would (the crash is recorded in `crashes()` and its exit in the logs).
     */
    restartCrashed?: boolean;
  } = {},
): Promise<DistributedGuardyn> {
  const dataDir = await mkdtemp(path.join(tmpdir(), 'guardyn-distributed-'));
  const namespace = `dist${randomBytes(6).toString('hex')}`;
  const portList = await freePorts(serviceNames.length);
  const ports = Object.fromEntries(
    serviceNames.map((name, index) => [name, portList[index]]),
  ) as Record<ServiceName, number>;
  const origin = (name: ServiceName) => `http://127.0.0.1:${ports[name]}`;
  const shared: Record<string, string> = {
    PATH: process.env['PATH'] ?? '',
    HOME: process.env['HOME'] ?? '',
    GUARDYN_DATA_DIR: dataDir,
    GUARDYN_MESSAGING__NATS_URL: natsUrl,
    GUARDYN_MESSAGING__NATS_NAMESPACE: namespace,
    GUARDYN_OBSERVABILITY__LOG_LEVEL: process.env['GUARDYN_TEST_LOG_LEVEL'] ?? 'warn',
    ...Object.fromEntries(
      subgraphNames.map((name) => [
        `GUARDYN_GATEWAY__${name.toUpperCase()}_URL`,
        `${origin(name)}/graphql`,
      ]),
    ),
    ...env,
  };
  const children = new Map<ServiceName, ChildProcess>();
  /** Main processes being stopped or killed on purpose: their exit is no crash. */
  const ending = new Set<ChildProcess>();
  const crashes: ServiceCrash[] = [];
  let disposed = false;
  const replicas = new Set<ChildProcess>();
  let output = '';
  const dispose = async () => {
    disposed = true;
    for (const child of children.values()) ending.add(child);
    await Promise.all([...children.values(), ...replicas].map((child) => terminate(child)));
    await rm(dataDir, { recursive: true, force: true });
    await deleteNatsNamespace(natsUrl, namespace);
  };
  /** Spawns one process of `name` on `port` and waits until it is healthy. */
  const launch = async (
    name: ServiceName,
    port: number,
    label: string,
    extraEnv: Record<string, string> = {},
  ) => {
    const [node, ...flags] = nodeWithTsx;
    const child = spawn(node, [...flags, path.join(projectRoot, 'main.ts')], {
      cwd: projectRoot,
      env: { ...shared, ...extraEnv, GUARDYN_SERVICE_NAME: name, GUARDYN_PORT: String(port) },
    });
    child.stdout?.on('data', (chunk: Buffer) => (output += `[${label}] ${chunk.toString()}`));
    child.stderr?.on('data', (chunk: Buffer) => (output += `[${label}] ${chunk.toString()}`));
    // A crash shows in the logs as an exit nobody asked for (kills and stops show too).
    child.on(
      'exit',
      (code, signal) => (output += `[${label}] exited: code ${code}, signal ${signal}\n`),
    );
    return {
      child,
      ready: waitForHealth(`http://127.0.0.1:${port}`, child, startTimeoutMs).catch(
        (error: unknown) => {
          throw new Error(`${label} did not start: ${String(error)}\n${output}`);
        },
      ),
    };
  };
  const start = async (name: ServiceName): Promise<void> => {
    const { child, ready } = await launch(name, ports[name], name);
    children.set(name, child);
    child.once('exit', (code, signal) => {
      if (ending.has(child) || disposed) return;
      crashes.push({ service: name, at: Date.now(), code, signal });
      if (restartCrashed) {
        start(name).catch((error: unknown) => {
          output += `[${name}] restart after a crash failed: ${String(error)}\n`;
        });
      }
    });
    await ready;
  };
  /** Ends a main process on purpose (its exit is then no crash). */
  const end = async (name: ServiceName, signal: 'SIGTERM' | 'SIGKILL') => {
    const child = children.get(name);
    if (!child) return;
    ending.add(child);
    await terminate(child, signal);
  };
  try {
    // Auth first (it creates the signing keys the others fetch), the gateway last.
    await start('auth');
    await Promise.all((['messaging', 'presence', 'media', 'notification'] as const).map(start));
    await start('gateway');
  } catch (error) {
    await dispose();
    throw error;
  }
  return {
    url: `${origin('gateway')}/graphql`,
    dataDir,
    ports,
    logs: () => output,
    stopService: (name) => end(name, 'SIGTERM'),
    killService: (name) => end(name, 'SIGKILL'),
    crashes: () => crashes,
    pidOf: (name) => children.get(name)?.pid,
    startService: start,
    async startReplica(name, env = {}) {
      const [port = 0] = await freePorts(1);
      const { child, ready } = await launch(name, port, `${name}@${port}`, env);
      replicas.add(child);
      await ready;
      return {
        port,
        origin: `http://127.0.0.1:${port}`,
        kill: () => terminate(child, 'SIGKILL'),
      };
    },
    dispose,
  };
}
