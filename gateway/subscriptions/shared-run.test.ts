import { describe, expect, it, jest } from '@jest/globals';
import { sharedRun } from './shared-run.js';
import type { HubEvent } from './topic-hub.js';

const event = (): HubEvent => ({ subject: 'typing.c', data: {}, shared: new Map() });

describe('sharedRun', () => {
  it('runs the shared work once per event and key, for every subscriber', async () => {
    const shared = jest.fn(() => Promise.resolve('payload'));
    const own = jest.fn(() => Promise.resolve('own'));
    const one = event();
    const results = await Promise.all([1, 2, 3].map(() => sharedRun(one, 'plan', shared, own)));
    expect(results).toEqual(['payload', 'payload', 'payload']);
    expect(shared).toHaveBeenCalledTimes(1);
    expect(own).not.toHaveBeenCalled();
  });

  it('runs again for another key or another event', async () => {
    const shared = jest.fn(() => Promise.resolve('payload'));
    const own = () => Promise.resolve('own');
    const one = event();
    await sharedRun(one, 'plan', shared, own);
    await sharedRun(one, 'other plan', shared, own);
    await sharedRun(event(), 'plan', shared, own);
    expect(shared).toHaveBeenCalledTimes(3);
  });

  it('hands no failed shared result on: each subscriber then runs its own', async () => {
    const shared = jest.fn(() => Promise.resolve(null));
    let runs = 0;
    const own = () => Promise.resolve(`own ${++runs}`);
    const one = event();
    const results = await Promise.all([
      sharedRun(one, 'plan', shared, own),
      sharedRun(one, 'plan', shared, own),
    ]);
    expect(results).toEqual(['own 1', 'own 2']);
    expect(shared).toHaveBeenCalledTimes(1);
  });
});
