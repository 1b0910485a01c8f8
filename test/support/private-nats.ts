/**
 * A nats-server of a test's own, with JetStream, that the test may stop and start again (on the
 * same port and storage directory) to make the bus fail. The shared NATS is never touched.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { freePorts } from './free-ports.js';

const binary = process.env['NATS_SERVER_BIN'] ?? '/usr/sbin/nats-server';

export interface PrivateNats {
  readonly url: string;
  /** Stops the server (SIGTERM, then waits for it to exit). */
  stop(): Promise<void>;
  /** Starts it again on the same port and storage, and waits until it accepts connections. */
  start(): Promise<void>;
  /** Stops it and deletes its storage. */
  dispose(): Promise<void>;
}

export async function startPrivateNats(): Promise<PrivateNats> {
  const [port] = await freePorts(1);
  if (port === undefined) throw new Error('no free port');
  const storage = await mkdtemp(path.join(tmpdir(), 'guardyn-nats-'));
  let child: ChildProcess | undefined;

  async function start(): Promise<void> {
    child = spawn(binary, ['-js', '-a', '127.0.0.1', '-p', String(port), '-sd', storage], {
      stdio: 'ignore',
    });
    await listening(port ?? 0, child);
  }

  async function stop(): Promise<void> {
    const running = child;
    child = undefined;
    if (!running || running.exitCode !== null) return;
    const exited = new Promise((resolve) => running.once('exit', resolve));
    running.kill('SIGTERM');
    await exited;
  }

  await start();
  return {
    url: `nats://127.0.0.1:${port}`,
    stop,
    start,
    async dispose() {
      await stop();
      await rm(storage, { recursive: true, force: true });
    },
  };
}

/** Resolves once the port accepts a connection; rejects if the process exits first. */
async function listening(port: number, child: ChildProcess): Promise<void> {
  for (let attempt = 0; attempt < 200; attempt++) {
    if (child.exitCode !== null) throw new Error(`nats-server exited with ${child.exitCode}`);
    const open = await new Promise<boolean>((resolve) => {
      const socket = connect(port, '127.0.0.1');
      socket.once('connect', () => {
        socket.destroy();
        resolve(true);
      });
      socket.once('error', () => resolve(false));
    });
    if (open) return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`nats-server did not listen on ${port}`);
}
