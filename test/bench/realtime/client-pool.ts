import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { ChildReply, ChildRequest } from './client-protocol.js';

const childScript = fileURLToPath(new URL('./socket-clients.ts', import.meta.url));

/** Sockets per child: under the 20,000 file descriptors a process may hold here. */
const perChildLimit = 15_000;

/** Subscribed sockets held by child processes, so the parent (the gateway) measures itself. */
export class ClientPool {
  private constructor(private readonly children: ChildProcess[]) {}

  /** Starts enough children for `total` sockets, each on its own loopback source address. */
  static async open(options: {
    readonly url: string;
    readonly token: string;
    readonly query: string;
    readonly variables: Record<string, unknown>;
    readonly total: number;
    readonly children?: number;
  }): Promise<ClientPool> {
    const count = Math.max(options.children ?? 2, Math.ceil(options.total / perChildLimit));
    const children = Array.from({ length: count }, () =>
      fork(childScript, [], { execArgv: ['--import', 'tsx'], stdio: 'inherit' }),
    );
    const pool = new ClientPool(children);
    const replies = await Promise.all(
      children.map((child, index) => {
        const share = Math.floor(options.total / count) + (index < options.total % count ? 1 : 0);
        return pool.ask(child, {
          type: 'open',
          url: options.url.replace(/^http/, 'ws'),
          token: options.token,
          query: options.query,
          variables: options.variables,
          count: share,
          batch: 25,
          localAddress: `127.0.${index + 1}.1`,
        });
      }),
    );
    const failed = replies.filter((r) => r.type === 'opened' && r.failures > 0);
    if (failed.length) {
      await pool.close();
      throw new Error(`sockets failed to open: ${JSON.stringify(failed)}`);
    }
    return pool;
  }

  /** The fewest events any socket has received (and a failure, if any socket had one). */
  async least(): Promise<number> {
    const replies = await Promise.all(this.children.map((c) => this.ask(c, { type: 'least' })));
    let least = Infinity;
    for (const each of replies) {
      if (each.type !== 'least') continue;
      if (each.failures > 0) throw new Error(`subscription failed: ${each.lastError}`);
      least = Math.min(least, each.count);
    }
    return least;
  }

  /**
   * Resolves once every socket has received a `typing: true` event after this call's request
   * reached its child (so call it, then send the event).
   */
  async typingStarted(): Promise<() => Promise<void>> {
    const reached = this.children.map((child) => this.reply(child, 'reached'));
    await Promise.all(this.children.map((child) => this.ask(child, { type: 'await' })));
    return async () => void (await Promise.all(reached));
  }

  async close(): Promise<void> {
    await Promise.all(
      this.children.map(async (child) => {
        if (!child.connected) return;
        // The child's exit is the answer: its 'closed' reply may not beat its disconnect.
        const exited = new Promise((resolve) => child.once('exit', resolve));
        child.send({ type: 'close' } satisfies ChildRequest);
        await exited;
      }),
    );
  }

  private ask(child: ChildProcess, request: ChildRequest): Promise<ChildReply> {
    const answer = this.reply(child, expected(request));
    child.send(request);
    return answer;
  }

  private reply(child: ChildProcess, type: ChildReply['type']): Promise<ChildReply> {
    return new Promise((resolve, reject) => {
      const onMessage = (reply: ChildReply) => {
        if (reply.type === type) {
          child.off('message', onMessage);
          child.off('exit', onExit);
          resolve(reply);
        }
      };
      const onExit = (code: number | null) => reject(new Error(`client child exited (${code})`));
      child.on('message', onMessage);
      child.once('exit', onExit);
    });
  }
}

function expected(request: ChildRequest): ChildReply['type'] {
  switch (request.type) {
    case 'open':
      return 'opened';
    case 'least':
      return 'least';
    case 'await':
      return 'awaiting';
    case 'close':
      return 'closed';
  }
}
