/**
 * Wake-up pushes end to end: a message sent through the gateway lands in the mailbox, messaging
 * publishes the durable push event, and the notification service sends a push to loopback FCM
 * and APNs servers that speak the providers' protocols. The open-socket case publishes the
 * gateway's connection events itself, on the NATS bus (and namespace) the services share: the
 * in-process bus is not reachable from a test, so without GUARDYN_MESSAGING__NATS_URL that case
 * is skipped (CI always sets it).
 */
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { SendSealedMessageDocument } from '../../schema/generated/operations.js';
import { connectionSubject, createNatsBus, type EventBus } from '../../shared/bus/index.js';
import { registerAccount, type TestAccount } from '../support/accounts.js';
import { eventually } from '../support/eventually.js';
import { expectData } from '../support/graphql-client.js';
import { recipientDevices, sendMessageMutation } from '../support/messaging-client.js';
import {
  startLoopbackPushProviders,
  type LoopbackPushProviders,
} from '../support/push-providers/index.js';
import { setAccess } from '../support/sealed-sender-client.js';
import { manyRegistrations } from '../support/test-guardyn.js';
import { useTestGuardyn } from '../support/use-test-guardyn.js';

const withNats = process.env['GUARDYN_MESSAGING__NATS_URL'] ? it : it.skip;

let providers: LoopbackPushProviders;
/** A second connection to the services' bus, standing in for a gateway. */
let gatewayBus: EventBus | undefined;
let alice: TestAccount;
const world = useTestGuardyn(async () => {
  providers = await startLoopbackPushProviders();
  return { auth: manyRegistrations, env: providers.env };
});
beforeAll(async () => {
  const { natsUrl, natsNamespace } = world.guardyn.config.messaging;
  gatewayBus = natsUrl
    ? await createNatsBus({ url: natsUrl, namespace: natsNamespace, name: 'test-gateway' })
    : undefined;
  alice = await registerAccount(world.url);
});
afterAll(async () => {
  await gatewayBus?.close();
  await providers.close();
});

const registerMutation =
  'mutation ($platform: PushPlatform!, $token: String!) { registerPushToken(platform: $platform, token: $token) }';

/** A new user whose only device registered a push token. */
async function recipient(platform: 'APNS' | 'FCM') {
  const account = await registerAccount(world.url);
  const token =
    platform === 'APNS'
      ? randomBytes(32).toString('hex')
      : `${randomBytes(8).toString('hex')}:APA91b${randomBytes(90).toString('base64url')}`;
  await expectData(world.url, registerMutation, { platform, token }, account.accessToken);
  return { ...account, token };
}

/** Alice sends one opaque message to every device of `to`; returns what could leak. */
async function sendMessage(to: TestAccount) {
  const devices = await recipientDevices(world.url, alice, to.userId);
  const content = randomBytes(48).toString('base64');
  const { sendMessage: sent } = await expectData<{ sendMessage: { messageId: string } }>(
    world.url,
    sendMessageMutation,
    {
      input: {
        recipientId: to.userId,
        clientMessageId: `c-${randomBytes(6).toString('hex')}`,
        envelopes: devices.map((device) => ({ ...device, type: 'SIGNAL_MESSAGE', content })),
      },
    },
    alice.accessToken,
  );
  const { conversations } = await expectData<{ conversations: { id: string }[] }>(
    world.url,
    '{ conversations { id } }',
    {},
    to.accessToken,
  );
  return {
    secrets: [
      content,
      sent.messageId,
      alice.userId,
      alice.username,
      ...conversations.map((c) => c.id),
    ],
  };
}

async function pushOf(account: TestAccount): Promise<unknown> {
  const { me } = await expectData<{ me: { devices: { push: unknown }[] } }>(
    world.url,
    '{ me { devices { push { platform } } } }',
    {},
    account.accessToken,
  );
  return me.devices[0]?.push ?? null;
}

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('wake-up pushes', () => {
  it('wakes an APNs device over HTTP/2 and TLS with a provider JWT, saying nothing of the message', async () => {
    const bob = await recipient('APNS');
    const { secrets } = await sendMessage(bob);
    expect(await eventually(async () => providers.apns.sentTo(bob.token).length, 1)).toBe(1);
    const [push] = providers.apns.sentTo(bob.token);
    expect(push?.headers).toMatchObject({
      topic: providers.apns.topic,
      pushType: 'alert',
      priority: '10',
      collapseId: 'guardyn-wake',
      authorization: expect.stringMatching(/^bearer ey/),
    });
    expect(push?.payload).toEqual({
      aps: { alert: { 'loc-key': 'NEW_MESSAGE' }, 'mutable-content': 1 },
    });
    const seen = JSON.stringify(push);
    for (const secret of [...secrets, bob.userId, bob.username]) expect(seen).not.toContain(secret);
  });

  it('wakes a device for a sealed envelope as for any other, naming no sender', async () => {
    const bob = await recipient('FCM');
    await setAccess(world.url, bob, null, true);
    const devices = await recipientDevices(world.url, alice, bob.userId);
    const content = randomBytes(48).toString('base64');
    await expectData(world.url, SendSealedMessageDocument, {
      input: {
        recipientId: bob.userId,
        clientMessageId: `sealed-${randomBytes(6).toString('hex')}`,
        envelopes: devices.map((device) => ({ ...device, content })),
      },
    });
    expect(await eventually(async () => providers.fcm.sentTo(bob.token).length, 1)).toBe(1);
    const seen = JSON.stringify(providers.fcm.sentTo(bob.token));
    for (const secret of [content, alice.userId, alice.username, bob.userId])
      expect(seen).not.toContain(secret);
  });

  it('wakes an FCM device through firebase-admin (HTTP v1, OAuth token), content-free', async () => {
    const bob = await recipient('FCM');
    const { secrets } = await sendMessage(bob);
    expect(await eventually(async () => providers.fcm.sentTo(bob.token).length, 1)).toBe(1);
    const [push] = providers.fcm.sentTo(bob.token);
    expect(push?.projectId).toBe(providers.fcm.projectId);
    expect(providers.fcm.issuedTokens.has(push?.authorization?.replace('Bearer ', '') ?? '')).toBe(
      true,
    );
    expect(push?.message).toEqual({
      token: bob.token,
      data: { guardyn: 'wake' },
      android: { priority: 'high', collapse_key: 'guardyn-wake', ttl: '86400s' },
    });
    const seen = JSON.stringify(push);
    for (const secret of [...secrets, bob.userId, bob.username]) expect(seen).not.toContain(secret);
  });

  it('sends at most one push per device within the collapse window', async () => {
    const bob = await recipient('APNS');
    await sendMessage(bob);
    await sendMessage(bob);
    await sendMessage(bob);
    expect(await eventually(async () => providers.apns.sentTo(bob.token).length, 1)).toBe(1);
    await pause(1_000);
    expect(providers.apns.sentTo(bob.token)).toHaveLength(1);
  });

  withNats(
    'sends no push to a device with an open socket, and wakes it once the socket closes',
    async () => {
      const bob = await recipient('FCM');
      const connection = (state: 'open' | 'closed') =>
        gatewayBus?.publish(connectionSubject(bob.userId, 1), {
          userId: bob.userId,
          deviceId: 1,
          connectionId: 'socket-1',
          state,
          at: new Date().toISOString(),
        });
      await connection('open');
      await pause(200);
      await sendMessage(bob);
      await pause(1_000);
      expect(providers.fcm.sentTo(bob.token)).toHaveLength(0);

      await connection('closed');
      await pause(200);
      await sendMessage(bob);
      expect(await eventually(async () => providers.fcm.sentTo(bob.token).length, 1)).toBe(1);
    },
  );

  it.each([
    ['APNs 503', 'APNS', () => ({ status: 503, reason: 'ServiceUnavailable' })],
    ['APNs 429', 'APNS', () => ({ status: 429, reason: 'TooManyRequests' })],
    ['FCM 429 (QUOTA_EXCEEDED)', 'FCM', () => ({ error: 'QUOTA_EXCEEDED' as const })],
    ['FCM 500 (INTERNAL)', 'FCM', () => ({ error: 'INTERNAL' as const })],
  ] as const)('retries with backoff after %s and then delivers', async (_, platform, reply) => {
    const bob = await recipient(platform);
    if (platform === 'APNS')
      providers.apns.reply(bob.token, reply() as { status: number; reason: string });
    else providers.fcm.reply(bob.token, reply() as { error: 'QUOTA_EXCEEDED' });
    await sendMessage(bob);
    const sends = () =>
      platform === 'APNS' ? providers.apns.sentTo(bob.token) : providers.fcm.sentTo(bob.token);
    expect(await eventually(async () => sends().length, 2, 8_000)).toBe(2);
    const [first, second] = sends().map((send) => send.receivedAt);
    // First backoff: 1 s ± 20 %.
    expect((second ?? 0) - (first ?? 0)).toBeGreaterThanOrEqual(750);
    expect(await pushOf(bob)).toEqual({ platform });
  });

  it('honours FCM’s Retry-After on 503', async () => {
    const bob = await recipient('FCM');
    providers.fcm.reply(bob.token, { error: 'UNAVAILABLE', retryAfterSeconds: 2 });
    await sendMessage(bob);
    expect(await eventually(async () => providers.fcm.sentTo(bob.token).length, 2, 8_000)).toBe(2);
    const [first, second] = providers.fcm.sentTo(bob.token).map((send) => send.receivedAt);
    expect((second ?? 0) - (first ?? 0)).toBeGreaterThanOrEqual(1_900);
  });

  it.each([
    ['APNs 410 Unregistered', 'APNS', { status: 410, reason: 'Unregistered' }],
    ['APNs 400 BadDeviceToken', 'APNS', { status: 400, reason: 'BadDeviceToken' }],
    ['FCM UNREGISTERED', 'FCM', { error: 'UNREGISTERED' }],
    ['FCM INVALID_ARGUMENT', 'FCM', { error: 'INVALID_ARGUMENT' }],
  ] as const)('removes a token the provider reports invalid: %s', async (_, platform, reply) => {
    const bob = await recipient(platform);
    if ('status' in reply) providers.apns.reply(bob.token, reply);
    else providers.fcm.reply(bob.token, reply);
    expect(await pushOf(bob)).toEqual({ platform });
    await sendMessage(bob);
    expect(await eventually(() => pushOf(bob), null)).toBeNull();
    const sends =
      platform === 'APNS' ? providers.apns.sentTo(bob.token) : providers.fcm.sentTo(bob.token);
    expect(sends).toHaveLength(1);
  });

  it('sends nothing to a device without a token', async () => {
    const before = providers.apns.received.length + providers.fcm.received.length;
    const quiet = await registerAccount(world.url);
    await sendMessage(quiet);
    await pause(500);
    expect(providers.apns.received.length + providers.fcm.received.length).toBe(before);
  });
});
