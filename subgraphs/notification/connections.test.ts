import { describe, expect, it } from '@jest/globals';
import type { ConnectionEvent } from '../../shared/bus/index.js';
import { ConnectionTracker } from './connections.js';

const event = (state: 'open' | 'closed', connectionId = 'c1', deviceId = 1): ConnectionEvent => ({
  userId: 'u1',
  deviceId,
  connectionId,
  state,
  at: new Date().toISOString(),
});

describe('ConnectionTracker', () => {
  it('counts a device connected from open until its last socket closes', () => {
    const tracker = new ConnectionTracker(90_000);
    tracker.apply(event('open', 'c1'), 0);
    tracker.apply(event('open', 'c2'), 0);
    expect(tracker.isConnected('u1', 1, 1_000)).toBe(true);
    expect(tracker.isConnected('u1', 2, 1_000)).toBe(false);
    tracker.apply(event('closed', 'c1'), 1_000);
    expect(tracker.isConnected('u1', 1, 1_000)).toBe(true);
    tracker.apply(event('closed', 'c2'), 1_000);
    expect(tracker.isConnected('u1', 1, 1_000)).toBe(false);
    expect(tracker.size).toBe(0);
  });

  it('treats a socket not heard of for the TTL as gone; heartbeats keep it alive', () => {
    const tracker = new ConnectionTracker(90_000);
    tracker.apply(event('open'), 0);
    tracker.apply(event('open'), 30_000);
    tracker.apply(event('open'), 60_000);
    expect(tracker.isConnected('u1', 1, 149_999)).toBe(true);
    expect(tracker.isConnected('u1', 1, 150_000)).toBe(false);
    tracker.sweep(150_000);
    expect(tracker.size).toBe(0);
  });

  it('ignores a close for a socket it never saw', () => {
    const tracker = new ConnectionTracker();
    tracker.apply(event('closed', 'unknown'), 0);
    expect(tracker.size).toBe(0);
  });
});
