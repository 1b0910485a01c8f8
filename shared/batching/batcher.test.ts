import { describe, expect, it } from '@jest/globals';
import { Batcher } from './batcher.js';
import { batcherPerRequest, perRequest } from './per-request.js';

function recordingBatcher() {
  const batches: string[][] = [];
  const batcher = new Batcher<string, string>(async (keys) => {
    batches.push([...keys]);
    return keys.map((key) => key.toUpperCase());
  });
  return { batcher, batches };
}

describe('Batcher', () => {
  it('resolves the keys asked for in one tick with one call, each key once', async () => {
    const { batcher, batches } = recordingBatcher();
    const values = await Promise.all(['a', 'b', 'a', 'c'].map((key) => batcher.load(key)));
    expect(values).toEqual(['A', 'B', 'A', 'C']);
    expect(batches).toEqual([['a', 'b', 'c']]);
  });

  it('collects keys asked for from promise jobs (as GraphQL resolves a list) into the same batch', async () => {
    const { batcher, batches } = recordingBatcher();
    const later = (key: string) =>
      Promise.resolve()
        .then(() => Promise.resolve())
        .then(() => batcher.load(key));
    await Promise.all([batcher.load('a'), later('b'), later('c')]);
    expect(batches).toEqual([['a', 'b', 'c']]);
  });

  it('starts a new batch for keys asked for later, and answers known keys from the first', async () => {
    const { batcher, batches } = recordingBatcher();
    await batcher.load('a');
    await Promise.all([batcher.load('a'), batcher.load('b')]);
    expect(batches).toEqual([['a'], ['b']]);
  });

  it('rejects every key of a failed batch', async () => {
    const batcher = new Batcher<string, string>(async () => {
      throw new Error('store down');
    });
    await expect(Promise.all([batcher.load('a'), batcher.load('b')])).rejects.toThrow('store down');
  });
});

describe('perRequest', () => {
  it('makes one value per context object', () => {
    let made = 0;
    const forRequest = perRequest((context: { id: number }) => ({ id: context.id, n: ++made }));
    const first = { id: 1 };
    expect(forRequest(first)).toBe(forRequest(first));
    expect(forRequest({ id: 2 }).n).toBe(2);
  });
});

describe('batcherPerRequest', () => {
  it('loads one request’s keys in one call that sees its context, apart from other requests', async () => {
    const calls: string[] = [];
    const forRequest = batcherPerRequest(
      async (keys: readonly string[], context: { caller: string }) => {
        calls.push(`${context.caller}:${keys.join(',')}`);
        return keys.map((key) => `${key} for ${context.caller}`);
      },
    );
    const alice = { caller: 'alice' };
    const [a, b] = await Promise.all([forRequest(alice).load('a'), forRequest(alice).load('b')]);
    expect([a, b]).toEqual(['a for alice', 'b for alice']);
    expect(await forRequest({ caller: 'bob' }).load('a')).toBe('a for bob');
    expect(calls).toEqual(['alice:a,b', 'bob:a']);
  });
});
