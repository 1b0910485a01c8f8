import { spawn, type ChildProcess } from 'node:child_process';

/** What to run: a program with its arguments, in a clean environment. */
export interface ProcessSpec {
  readonly name: string;
  readonly command: string;
  readonly args: readonly string[];
  readonly env: Record<string, string>;
  readonly cwd: string;
}

export interface RunningProcess {
  readonly name: string;
  readonly pid: number | undefined;
  /** The last output of the process (stdout and stderr), for failure messages. */
  output(): string;
  exited(): boolean;
}

/** Keep this much of each process's output: enough for a stack trace, not a whole run of logs. */
const outputTail = 16_384;

/**
 * Every child process the benchmark starts, so that all of them stop however it ends: normally,
 * on an error, or on Ctrl-C / SIGTERM (and, as a last resort, SIGKILL when the parent exits).
 */
export class ProcessGroup {
  private readonly children: { child: ChildProcess; name: string }[] = [];
  private readonly cleanups: (() => Promise<void>)[] = [];
  private readonly onSignal = (signal: NodeJS.Signals) => {
    console.error(`\n${signal}: stopping ${this.children.length} processes`);
    void this.stopAll().finally(() => process.exit(signal === 'SIGINT' ? 130 : 143));
  };
  private readonly onExit = () => {
    for (const { child } of this.children) if (child.exitCode === null) child.kill('SIGKILL');
  };

  constructor() {
    process.once('SIGINT', this.onSignal);
    process.once('SIGTERM', this.onSignal);
    process.once('exit', this.onExit);
  }

  /** Runs `cleanup` (e.g. removing a temporary folder) once the processes have stopped. */
  afterStop(cleanup: () => Promise<void>): void {
    this.cleanups.push(cleanup);
  }

  start(spec: ProcessSpec): RunningProcess {
    const child = spawn(spec.command, spec.args, {
      cwd: spec.cwd,
      env: spec.env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    const keep = (chunk: Buffer) => {
      output = (output + chunk.toString()).slice(-outputTail);
    };
    child.stdout?.on('data', keep);
    child.stderr?.on('data', keep);
    child.on('error', (error) => keep(Buffer.from(`spawn failed: ${error.message}\n`)));
    this.children.push({ child, name: spec.name });
    return {
      name: spec.name,
      pid: child.pid,
      output: () => output,
      exited: () => child.exitCode !== null || child.signalCode !== null,
    };
  }

  /** SIGTERM to each (graceful), SIGKILL to any still running after `graceMs`; then the cleanups. */
  async stopAll(graceMs = 5_000): Promise<void> {
    const running = this.children.splice(0);
    await Promise.all(
      running.map(
        ({ child }) =>
          new Promise<void>((resolve) => {
            if (child.exitCode !== null || child.signalCode !== null) return resolve();
            const force = setTimeout(() => child.kill('SIGKILL'), graceMs);
            child.once('exit', () => {
              clearTimeout(force);
              resolve();
            });
            child.kill('SIGTERM');
          }),
      ),
    );
    for (const cleanup of this.cleanups.splice(0)) await cleanup();
    process.off('SIGINT', this.onSignal);
    process.off('SIGTERM', this.onSignal);
    process.off('exit', this.onExit);
  }
}

/**
 * Polls `probe` until it answers true; fails early with the process's output when it exits,
 * and after `timeoutMs`.
 */
export async function waitUntilReady(
  running: RunningProcess,
  probe: () => Promise<boolean>,
  timeoutMs = 60_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (running.exited()) {
      throw new Error(`${running.name} exited during start:\n${running.output()}`);
    }
    if (await probe().catch(() => false)) return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`${running.name} not ready after ${timeoutMs} ms:\n${running.output()}`);
}
