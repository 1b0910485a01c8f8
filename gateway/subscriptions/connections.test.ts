import { afterEach, describe, expect, it } from '@jest/globals';
import { pino } from 'pino';
import type { Principal } from '../../shared/auth/index.js';
import { createInProcessBus, type EventBus } from '../../shared/bus/index.js';
import { CloseCode } from './close-codes.js';
import { ConnectionRegistry } from './connections.js';

const principal = (overrides: Partial<Principal> = {}): Principal => ({
  userId: 'alice',
  deviceId: 1,
  sessionId: 's1',
  expiresAt: new Date(Date.now() + 60_000),
  ...overrides,
});

function socket() {
  const closes: [number, string][] = [];
  return { closes, close: (code: number, reason: string) => void closes.push([code, reason]) };
}

let bus: EventBus;
let registry: ConnectionRegistry;
afterEach(async () => {
  registry.dispose();
  await bus.close();
});

function setup(options = { maxConnectionsPerDevice: 2, heartbeatMs: 20 }) {
  bus = createInProcessBus();
  registry = new ConnectionRegistry(bus, pino({ level: 'silent' }), options);
  const events: unknown[] = [];
  bus.subscribe('guardyn.connection.*.*', ({ data }) => void events.push(data));
  return events;
}

const settle = (ms = 50) => new Promise((resolve) => setTimeout(resolve, ms));

describe('ConnectionRegistry', () => {
  it('announces open, heartbeats and closed', async () => {
    const events = setup();
    const opened = registry.open(principal(), socket());
    if (!('connectionId' in opened)) throw new Error('refused');
    await settle(70);
    registry.close(opened.connectionId);
    await settle();
    const states = events.map((event) => (event as { state: string }).state);
    expect(states[0]).toBe('open');
    expect(states.filter((state) => state === 'open').length).toBeGreaterThan(1);
    expect(states.at(-1)).toBe('closed');
  });

  it('closes a socket when its token expires', async () => {
    setup();
    const expiring = socket();
    registry.open(principal({ expiresAt: new Date(Date.now() + 30) }), expiring);
    await settle(80);
    expect(expiring.closes).toEqual([[CloseCode.Unauthorized, 'Token expired']]);
  });

  it('bounds sockets per device and closes on session and device revocation', async () => {
    setup();
    const [a, b, c, other] = [socket(), socket(), socket(), socket()];
    registry.open(principal(), a);
    registry.open(principal({ sessionId: 's2' }), b);
    expect(registry.open(principal(), c)).toEqual({
      refused: CloseCode.TooManyConnections,
      reason: expect.any(String),
    });
    registry.open(principal({ deviceId: 2, sessionId: 's3' }), other);
    await bus.publish('guardyn.session.revoked.alice', { userId: 'alice', sessionId: 's2' });
    await settle();
    expect(b.closes).toEqual([[CloseCode.Unauthorized, 'Session revoked']]);
    expect(a.closes).toEqual([]);
    await bus.publish('guardyn.device.revoked.alice', { userId: 'alice', deviceId: 2 });
    await settle();
    expect(other.closes).toEqual([[CloseCode.DeviceRevoked, 'Device removed']]);
    expect(a.closes).toEqual([]);
  });

  it('closes every socket of a deleted account with 4401, and no one else’s', async () => {
    setup();
    const [phone, tablet, bobs] = [socket(), socket(), socket()];
    registry.open(principal(), phone);
    registry.open(principal({ deviceId: 2, sessionId: 's2' }), tablet);
    registry.open(principal({ userId: 'bob', sessionId: 's3' }), bobs);
    await bus.publish('guardyn.account.deleted.alice', { userId: 'alice', deviceIds: [1, 2] });
    await settle();
    for (const closed of [phone, tablet])
      expect(closed.closes).toEqual([[CloseCode.Unauthorized, 'Account deleted']]);
    expect(bobs.closes).toEqual([]);
  });

  it('frees a device’s place when one of its sockets closes', () => {
    setup();
    const first = registry.open(principal(), socket());
    registry.open(principal({ sessionId: 's2' }), socket());
    if (!('connectionId' in first)) throw new Error('refused');
    expect('refused' in registry.open(principal(), socket())).toBe(true);
    registry.close(first.connectionId);
    registry.close(first.connectionId);
    expect('connectionId' in registry.open(principal(), socket())).toBe(true);
    expect('refused' in registry.open(principal(), socket())).toBe(true);
    // Another user's device with the same number counts apart.
    expect('connectionId' in registry.open(principal({ userId: 'bob' }), socket())).toBe(true);
  });
});
