import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { connect } from 'nats';
import { freePorts } from '../../support/free-ports.js';

const natsServer = process.env['GUARDYN_FAULTS_NATS_SERVER'] ?? '/usr/sbin/nats-server';

/** A nats-server of the suite's own (JetStream on), which it may stop, kill and restart. */
export interface PrivateNats {
  readonly url: string;
  /** Stops the server with `signal` (SIGTERM: a clean shutdown; SIGKILL: a crash) and waits. */
  stop(signal: 'SIGTERM' | 'SIGKILL'): Promise<void>;
  /** Starts it again on the same port and JetStream store; resolves once it accepts clients. */
  start(): Promise<void>;
  dispose(): Promise<void>;
}

/** Starts `nats-server -js` on a free loopback port with a fresh store directory. */
export async function startPrivateNats(): Promise<PrivateNats> {
  const [port] = await freePorts(1);
  const storeDir = await mkdtemp(path.join(tmpdir(), 'guardyn-faults-nats-'));
  const url = `nats://127.0.0.1:${port}`;
  let child: ChildProcess | undefined;
  const start = async () => {
    child = spawn(natsServer, ['-js', '-a', '127.0.0.1', '-p', String(port), '-sd', storeDir], {
      stdio: 'ignore',
    });
    await waitUntilAccepting(url, child);
  };
  const stop = async (signal: 'SIGTERM' | 'SIGKILL') => {
    const running = child;
    child = undefined;
    if (!running || running.exitCode !== null || running.signalCode !== null) return;
    await new Promise<void>((resolve) => {
      running.once('exit', () => resolve());
      running.kill(signal);
    });
  };
  await start();
  return {
    url,
    stop,
    start,
    async dispose() {
      await stop('SIGTERM');
      await rm(storeDir, { recursive: true, force: true });
    },
  };
}

async function waitUntilAccepting(url: string, child: ChildProcess): Promise<void> {
  const deadline = Date.now() + 20_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`nats-server exited with ${child.exitCode}`);
    try {
      const connection = await connect({ servers: url, timeout: 1_000, reconnect: false });
      // JetStream recovers its store after the port opens: wait until it answers too.
      await (await connection.jetstreamManager()).getAccountInfo();
      await connection.close();
      return;
    } catch (error) {
      if (Date.now() > deadline) {
        throw new Error(`nats-server at ${url}: ${String(error)}`, { cause: error });
      }
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  }
}
