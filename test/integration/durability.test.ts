import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from '@jest/globals';
import { cqlTestTarget, dropTestKeyspaces } from '../../shared/cql/testing.js';
import { projectRoot } from '../../shared/supergraph/index.js';
import { registerAccount } from '../support/accounts.js';
import { freePortRange } from '../support/free-ports.js';
import { readInbox, sendOpaqueMessage } from '../support/messaging-client.js';

const tsx = path.join(projectRoot, 'node_modules', '.bin', 'tsx');

/** An embedded Guardyn as a child process, to be killed without warning. */
async function startProcess(env: Record<string, string>, port: number): Promise<ChildProcess> {
  const child = spawn(tsx, [path.join(projectRoot, 'main.ts')], {
    cwd: projectRoot,
    env: {
      PATH: process.env['PATH'] ?? '',
      HOME: process.env['HOME'] ?? '',
      ...env,
      GUARDYN_PORT: String(port),
    },
    // Own process group, so SIGKILL reaches the node process under the tsx wrapper.
    detached: true,
  });
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const deadline = Date.now() + 90_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`guardyn exited: ${output}`);
    const healthy = await fetch(`http://127.0.0.1:${port}/health`).then(
      (r) => r.ok,
      () => false,
    );
    if (healthy) return child;
    if (Date.now() > deadline) throw new Error(`guardyn did not start: ${output}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

function killNow(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    child.once('exit', () => resolve());
    if (child.pid) process.kill(-child.pid, 'SIGKILL');
  });
}

const cleanups: (() => Promise<void>)[] = [];
afterAll(async () => {
  for (const cleanup of cleanups.splice(0)) await cleanup();
});

const cassandra = await cqlTestTarget('durability');
const modes: [string, Record<string, string>][] = [['SQLite', {}]];
if (cassandra.available) {
  modes.push([
    'Cassandra',
    {
      GUARDYN_DATABASE__SCYLLADB_NODES: cassandra.database.scyllaNodes.join(','),
      GUARDYN_DATABASE__SCYLLADB_KEYSPACE_PREFIX: cassandra.database.scyllaKeyspacePrefix,
    },
  ]);
  cleanups.push(() => dropTestKeyspaces(cassandra.database));
} else {
  process.stderr.write(`durability.test: Cassandra mode skipped: ${cassandra.reason}\n`);
}

describe.each(modes)('kill -9 with stores on %s', (_mode, storeEnv) => {
  it('loses nothing that was acknowledged', async () => {
    const dataDir = await mkdtemp(path.join(tmpdir(), 'guardyn-kill-'));
    cleanups.push(() => rm(dataDir, { recursive: true, force: true }));
    const env = {
      ...storeEnv,
      GUARDYN_DATA_DIR: dataDir,
      GUARDYN_OBSERVABILITY__LOG_LEVEL: 'warn',
    };
    const port = await freePortRange(6);
    const url = `http://127.0.0.1:${port}/graphql`;

    let child = await startProcess(env, port);
    const alice = await registerAccount(url);
    const bob = await registerAccount(url);
    const sent: string[] = [];
    for (let i = 0; i < 25; i++) {
      const content = `acknowledged ${i}`;
      await sendOpaqueMessage(url, alice, bob, { content, clientMessageId: `k${i}` });
      sent.push(Buffer.from(content).toString('base64'));
    }
    // No shutdown, no flush: the process dies right after the last acknowledgement.
    await killNow(child);

    child = await startProcess(env, port);
    cleanups.push(() => killNow(child));
    const inbox = await readInbox(url, bob.accessToken);
    expect(inbox.map((envelope) => envelope.content)).toEqual(sent);
  }, 180_000);
});
