import { describe, expect, it } from '@jest/globals';
import { InflightQueries } from './inflight-queries.js';

/** A call that answers when told to, counting how often it was made. */
function deferredCalls() {
  const pending: ((value: string) => void)[] = [];
  let calls = 0;
  const send = () => {
    calls++;
    return new Promise<string>((resolve) => pending.push(resolve));
  };
  return {
    send,
    answerAll: (value: string) => pending.splice(0).forEach((r) => r(value)),
    calls: () => calls,
  };
}

describe('identical queries in flight', () => {
  it('share one call while it is in flight, and call again once it has answered', async () => {
    const inflight = new InflightQueries<string>();
    const subgraph = deferredCalls();
    const first = inflight.query('k', subgraph.send);
    const second = inflight.query('k', subgraph.send);
    expect(subgraph.calls()).toBe(1);
    subgraph.answerAll('a');
    expect(await first).toBe('a');
    expect(await second).toBe('a');
    expect(inflight.size).toBe(0);
    const third = inflight.query('k', subgraph.send);
    expect(subgraph.calls()).toBe(2);
    subgraph.answerAll('b');
    expect(await third).toBe('b');
  });

  it('never merge different keys (another token, address, subgraph or body)', async () => {
    const inflight = new InflightQueries<string>();
    const subgraph = deferredCalls();
    const answers = [inflight.query('k1', subgraph.send), inflight.query('k2', subgraph.send)];
    expect(subgraph.calls()).toBe(2);
    subgraph.answerAll('x');
    await Promise.all(answers);
  });

  it('share a failure too, and forget it', async () => {
    const inflight = new InflightQueries<string>();
    const failing = () => Promise.reject(new Error('down'));
    const first = inflight.query('k', failing);
    const second = inflight.query('k', failing);
    await expect(first).rejects.toThrow('down');
    await expect(second).rejects.toThrow('down');
    expect(inflight.size).toBe(0);
  });

  it('do not join a call begun before a mutation started or while one ran', async () => {
    const inflight = new InflightQueries<string>();
    const subgraph = deferredCalls();
    const before = inflight.query('k', subgraph.send);
    const write = deferredCalls();
    const mutation = inflight.mutation(write.send);
    // During the mutation: not the call from before it.
    const during = inflight.query('k', subgraph.send);
    expect(subgraph.calls()).toBe(2);
    write.answerAll('written');
    await mutation;
    // After it answered: not the one begun while it ran either.
    const after = inflight.query('k', subgraph.send);
    expect(subgraph.calls()).toBe(3);
    subgraph.answerAll('read');
    await Promise.all([before, during, after]);
  });
});
