import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from '@jest/globals';
import { projectRoot } from '../../shared/supergraph/index.js';
import { freePortRange } from '../support/free-ports.js';

const tsx = path.join(projectRoot, 'node_modules', '.bin', 'tsx');
const mainFile = path.join(projectRoot, 'main.ts');

interface Finished {
  code: number | null;
  stdout: string;
  stderr: string;
}

function run(
  env: Record<string, string>,
  untilReady?: (stdout: string) => boolean,
  afterReady?: (pid: number) => void,
) {
  const child = spawn(tsx, [mainFile], {
    cwd: projectRoot,
    env: { PATH: process.env['PATH'] ?? '', HOME: process.env['HOME'] ?? '', ...env },
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => {
    stdout += chunk.toString();
    if (untilReady?.(stdout) && afterReady && child.pid) {
      const ready = afterReady;
      afterReady = undefined;
      ready(child.pid);
    }
  });
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  return new Promise<Finished>((resolve) =>
    child.on('exit', (code) => resolve({ code, stdout, stderr })),
  );
}

let dataDir: string | undefined;
afterEach(async () => {
  if (dataDir) await rm(dataDir, { recursive: true, force: true });
  dataDir = undefined;
});

describe('the guardyn process', () => {
  it.each([
    [{ GUARDYN_PORT: 'abc' }, 'GUARDYN_PORT'],
    [{ GUARDYN_DATABASE__TIKV_PD_ENDPOINTS: 'pd:2379' }, 'GUARDYN_DATABASE__TIKV_PD_ENDPOINTS'],
    [{ GUARDYN_SERVICE_NAME: 'billing' }, 'GUARDYN_SERVICE_NAME'],
  ])('exits 2 with one line naming the variable for %j', async (env, variable) => {
    const { code, stderr } = await run(env);
    expect(code).toBe(2);
    expect(stderr.trim().split('\n')).toHaveLength(1);
    expect(stderr).toContain(variable);
  });

  it('starts embedded, prints its URLs, answers /health, and exits 0 on SIGTERM', async () => {
    dataDir = await mkdtemp(path.join(tmpdir(), 'guardyn-main-'));
    const base = await freePortRange(6);
    let health: number | undefined;
    const finished = await run(
      {
        GUARDYN_PORT: String(base),
        GUARDYN_DATA_DIR: dataDir,
        GUARDYN_OBSERVABILITY__LOG_LEVEL: 'warn',
      },
      (stdout) => stdout.includes('health'),
      (pid) => {
        fetch(`http://127.0.0.1:${base}/health`)
          .then((response) => (health = response.status))
          .finally(() => process.kill(pid, 'SIGTERM'));
      },
    );
    expect(health).toBe(200);
    expect(finished.stdout).toContain(`http://127.0.0.1:${base}/graphql`);
    expect(finished.stdout).toContain(`http://127.0.0.1:${base + 1}/graphql`);
    expect(finished.code).toBe(0);
  }, 60_000);
});
