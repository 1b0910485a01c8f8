import { randomBytes, randomUUID } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import type { Principal } from '../../shared/auth/index.js';
import { createLogger } from '../../shared/logging/index.js';
import { ConnectionTracker } from './connections.js';
import { PushDispatcher } from './dispatcher.js';
import type { PushOutcome, PushProvider } from './push-provider.js';
import { NotificationService } from './service.js';
import { SqliteNotificationStore } from './store.sqlite.js';

function principal(userId: string = randomUUID(), deviceId = 1): Principal {
  return { userId, deviceId, sessionId: randomUUID(), expiresAt: new Date(Date.now() + 60_000) };
}

const apnsToken = () => randomBytes(32).toString('hex');

describe('NotificationService', () => {
  let store: SqliteNotificationStore;
  let connections: ConnectionTracker;
  let dispatcher: PushDispatcher;
  let service: NotificationService;
  let sent: string[];
  /** What the provider answers next, then 'sent'. */
  let script: PushOutcome[];
  beforeEach(() => {
    sent = [];
    script = [];
    const provider: PushProvider = {
      platform: 'APNS',
      sendWakeUp: async (token) => {
        sent.push(token);
        return script.shift() ?? { kind: 'sent' };
      },
      close: async () => undefined,
    };
    store = new SqliteNotificationStore(':memory:');
    connections = new ConnectionTracker();
    dispatcher = new PushDispatcher(
      new Map([['APNS', provider]]),
      { tokenInvalid: (job) => service.tokenInvalid(job) },
      createLogger('silent', 'test'),
      { random: () => 0.5 },
    );
    service = new NotificationService(store, connections, dispatcher, { collapseMs: 30_000 });
  });
  afterEach(async () => {
    dispatcher.stop();
    await store.close();
  });

  /** The first delivery of a new push event. */
  const firstDelivery = () => ({ eventId: randomUUID(), attempt: 1 });

  it.each([
    ['an unknown platform', 'WNS', apnsToken(), 'BAD_USER_INPUT'],
    ['an APNs token that is not hex', 'APNS', 'z'.repeat(64), 'BAD_USER_INPUT'],
    ['a short APNs token', 'APNS', 'ab'.repeat(8), 'BAD_USER_INPUT'],
    ['an FCM token with spaces', 'FCM', 'token with spaces in it ok', 'BAD_USER_INPUT'],
    ['an empty token', 'FCM', '', 'BAD_USER_INPUT'],
    ['an oversized token', 'FCM', 'a'.repeat(4097), 'PAYLOAD_TOO_LARGE'],
  ])('refuses %s and stores nothing', async (_, platform, token, code) => {
    const caller = principal();
    await expect(service.registerPushToken(caller, platform, token)).rejects.toMatchObject({
      code,
    });
    expect(await store.findRegistration(caller.userId, 1)).toBeNull();
  });

  it('registers the caller’s device token (APNs hex in lower case), visible to its user only', async () => {
    const caller = principal(randomUUID(), 2);
    const token = apnsToken().toUpperCase();
    expect(await service.registerPushToken(caller, 'APNS', token)).toBe(true);
    const own = await service.registrationOf(principal(caller.userId), `${caller.userId}:2`);
    expect(own).toMatchObject({ platform: 'APNS', token: token.toLowerCase() });
    expect(await service.registrationOf(principal(), `${caller.userId}:2`)).toBeNull();
    expect(await service.registrationOf(caller, 'not-a-device-id')).toBeNull();

    expect(await service.unregisterPushToken(caller)).toBe(true);
    expect(await service.unregisterPushToken(caller)).toBe(false);
  });

  it('wakes a device with a token and no socket, once per collapse window', async () => {
    const device = principal();
    const token = apnsToken();
    await service.registerPushToken(device, 'APNS', token);
    const event = firstDelivery();
    expect(await service.envelopePending(device.userId, 1, event)).toEqual({ kind: 'sent' });
    expect(await service.envelopePending(device.userId, 1, firstDelivery())).toEqual({
      kind: 'collapsed',
    });
    // The same event again (its ack was lost): pushed already, so collapsed too.
    expect(await service.envelopePending(device.userId, 1, { ...event, attempt: 2 })).toEqual({
      kind: 'collapsed',
    });
    expect(await service.envelopePending(device.userId, 2, firstDelivery())).toEqual({
      kind: 'no-token',
    });
    expect(sent).toEqual([token]);
  });

  it('asks for the event again while the provider cannot take the push, and sends it once', async () => {
    const device = principal();
    const token = apnsToken();
    await service.registerPushToken(device, 'APNS', token);
    script.push(
      { kind: 'retry', reason: '503' },
      { kind: 'retry', reason: '429', retryAfterMs: 5_000 },
    );
    const event = firstDelivery();
    expect(await service.envelopePending(device.userId, 1, event)).toEqual({
      kind: 'retry',
      delayMs: 1_000,
    });
    // Another event meanwhile: the window is held by the first, which is not settled yet.
    expect(await service.envelopePending(device.userId, 1, firstDelivery())).toEqual({
      kind: 'collapsed',
    });
    expect(await service.envelopePending(device.userId, 1, { ...event, attempt: 2 })).toEqual({
      kind: 'retry',
      delayMs: 5_000,
    });
    expect(await service.envelopePending(device.userId, 1, { ...event, attempt: 3 })).toEqual({
      kind: 'sent',
    });
    expect(await service.envelopePending(device.userId, 1, { ...event, attempt: 4 })).toEqual({
      kind: 'collapsed',
    });
    expect(sent).toEqual([token, token, token]);
  });

  it('settles the claim of a retried event whose device came online', async () => {
    const device = principal();
    await service.registerPushToken(device, 'APNS', apnsToken());
    script.push({ kind: 'retry', reason: '503' });
    const event = firstDelivery();
    expect((await service.envelopePending(device.userId, 1, event)).kind).toBe('retry');
    service.connectionChanged({
      userId: device.userId,
      deviceId: 1,
      connectionId: 'c1',
      state: 'open',
      at: new Date().toISOString(),
    });
    expect(await service.envelopePending(device.userId, 1, { ...event, attempt: 2 })).toEqual({
      kind: 'connected',
    });
    expect(await store.settlePush(device.userId, 1, event.eventId)).toBe(false);
  });

  it('does not wake a device whose socket is open, nor one of a platform not configured', async () => {
    const online = principal();
    await service.registerPushToken(online, 'APNS', apnsToken());
    service.connectionChanged({
      userId: online.userId,
      deviceId: 1,
      connectionId: 'c1',
      state: 'open',
      at: new Date().toISOString(),
    });
    expect(await service.envelopePending(online.userId, 1, firstDelivery())).toEqual({
      kind: 'connected',
    });

    const android = principal();
    await service.registerPushToken(android, 'FCM', 'fcm-token:abcdefghijklmnop');
    expect(await service.envelopePending(android.userId, 1, firstDelivery())).toEqual({
      kind: 'no-provider',
    });
    expect(sent).toEqual([]);
  });

  it('removes the token of a removed device, and an invalid token unless it was replaced', async () => {
    const device = principal();
    const token = apnsToken();
    await service.registerPushToken(device, 'APNS', token);
    await service.tokenInvalid({
      userId: device.userId,
      deviceId: 1,
      platform: 'APNS',
      token: 'ff'.repeat(32),
    });
    expect(await store.findRegistration(device.userId, 1)).not.toBeNull();
    await service.tokenInvalid({ userId: device.userId, deviceId: 1, platform: 'APNS', token });
    expect(await store.findRegistration(device.userId, 1)).toBeNull();

    await service.registerPushToken(device, 'APNS', token);
    await service.deviceRemoved(device.userId, 1);
    expect(await store.findRegistration(device.userId, 1)).toBeNull();
  });
});
