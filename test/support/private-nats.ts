/**
 * A nats-server of a test's own, with JetStream, that the test may stop and start again (on the
 * same port and storage directory) to make the bus fail. The shared NATS is never touched.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { connect } from 'nats';
import { freePorts } from './free-ports.js';

const binary = process.env['NATS_SERVER_BIN'] ?? '/usr/sbin/nats-server';

export interface PrivateNats {
  readonly url: string;
  /**
   * Stops the server and waits for it to exit: SIGTERM (the default) lets it close its clients'
   * connections, SIGKILL is an outage with no goodbye. Its JetStream store stays either way.
   */
  stop(signal?: 'SIGTERM' | 'SIGKILL'): Promise<void>;
  /** Starts it again on the same port and store (nothing when it runs) and waits until it listens. */
  start(): Promise<void>;
  /** Stops it and deletes its store. */
  dispose(): Promise<void>;
}

export async function startPrivateNats(): Promise<PrivateNats> {
  const [port] = await freePorts(1);
  if (port === undefined) throw new Error('no free port');
  const storeDir = await mkdtemp(path.join(tmpdir(), 'guardyn-nats-'));
  let child: ChildProcess | undefined;

  const start = async () => {
    if (child && child.exitCode === null) return;
    const started = spawn(binary, ['-js', '-a', '127.0.0.1', '-p', String(port), '-sd', storeDir], {
      stdio: 'ignore',
    });
    child = started;
    const exited = new Promise<never>((_resolve, reject) => {
      started.once('error', reject);
      started.once('exit', (code) => reject(new Error(`nats-server exited with ${code}`)));
    });
    await Promise.race([untilJetStreamAnswers(`nats://127.0.0.1:${port}`), exited]);
  };
  const stop = async (signal: 'SIGTERM' | 'SIGKILL' = 'SIGTERM') => {
    const running = child;
    child = undefined;
    if (!running || running.exitCode !== null) return;
    const exited = new Promise((resolve) => running.once('exit', resolve));
    running.kill(signal);
    await exited;
  };
  await start();
  return {
    url: `nats://127.0.0.1:${port}`,
    stop,
    start,
    dispose: async () => {
      await stop('SIGKILL');
      await rm(storeDir, { recursive: true, force: true });
    },
  };
}

/**
 * Resolves once JetStream answers (it recovers its store after the port opens, so a listening
 * port is not enough); rejects after `timeoutMs`.
 */
async function untilJetStreamAnswers(url: string, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      const connection = await connect({ servers: url, timeout: 1_000, reconnect: false });
      try {
        await (await connection.jetstreamManager()).getAccountInfo();
        return;
      } finally {
        await connection.close();
      }
    } catch (error) {
      if (Date.now() > deadline)
        throw new Error(`nats-server at ${url}: ${String(error)}`, { cause: error });
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
}
