import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { freePorts } from './free-ports.js';

/** A nats-server of the test's own (JetStream on, loopback, a temporary store), to stop at will. */
export interface PrivateNats {
  readonly url: string;
  /** Kills the server (SIGKILL: an outage, not a drain); its JetStream store stays. */
  stop(): Promise<void>;
  /** Starts it again on the same port with the same store (nothing when it runs). */
  start(): Promise<void>;
  /** Stops it and deletes its store. */
  dispose(): Promise<void>;
}

/**
 * Starts `nats-server` (from PATH) on a free loopback port. Only for tests that need NATS to go
 * away and come back: the shared server must never be stopped.
 */
export async function startPrivateNats(): Promise<PrivateNats> {
  const [port] = await freePorts(1);
  if (port === undefined) throw new Error('no free port');
  const storeDir = await mkdtemp(path.join(tmpdir(), 'guardyn-nats-'));
  let child: ChildProcess | undefined;

  const start = async () => {
    if (child && child.exitCode === null) return; // running already
    const started = spawn(
      'nats-server',
      ['-a', '127.0.0.1', '-p', String(port), '-js', '-sd', storeDir],
      {
        stdio: 'ignore',
      },
    );
    child = started;
    const exited = new Promise<never>((_resolve, reject) => {
      started.once('error', reject);
      started.once('exit', (code) => reject(new Error(`nats-server exited with ${code}`)));
    });
    await Promise.race([untilListening(port), exited]);
  };
  const stop = async () => {
    const running = child;
    child = undefined;
    if (!running || running.exitCode !== null) return;
    const exited = new Promise((resolve) => running.once('exit', resolve));
    running.kill('SIGKILL');
    await exited;
  };
  await start();
  return {
    url: `nats://127.0.0.1:${port}`,
    stop,
    start,
    dispose: async () => {
      await stop();
      await rm(storeDir, { recursive: true, force: true });
    },
  };
}

async function untilListening(port: number, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const open = await new Promise<boolean>((resolve) => {
      const socket = connect(port, '127.0.0.1');
      socket.once('connect', () => {
        socket.destroy();
        resolve(true);
      });
      socket.once('error', () => resolve(false));
    });
    if (open) return;
    if (Date.now() > deadline) throw new Error(`nats-server not listening on ${port}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
