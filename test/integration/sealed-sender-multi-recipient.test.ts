/**
 * Sealed sender's multi-recipient form (issue 14, item 5), with real libsignal clients: one
 * upload for many recipients and devices, access by the XOR of the recipients' keys, device
 * lists checked per recipient, idempotency per (recipient, clientMessageId).
 */
import { randomBytes } from 'node:crypto';
import { beforeAll, describe, expect, it } from '@jest/globals';
import { signalEncrypt } from '@signalapp/libsignal-client';
import { SendSealedMultiRecipientMessageDocument } from '../../schema/generated/operations.js';
import { linkDevice, registerAccount, type TestAccount } from '../support/accounts.js';
import { postGraphQL } from '../support/graphql-client.js';
import { eventually } from '../support/eventually.js';
import { readInbox } from '../support/messaging-client.js';
import {
  newAccessKey,
  openShare,
  sealForMany,
  senderCertificateOf,
  setAccess,
  startSessions,
  trustRootOf,
  type SealedTarget,
} from '../support/sealed-sender-client.js';
import { protocolAddress, toBase64 } from '../support/signal-device.js';
import { collect, withSubscriptions } from '../support/subscriptions-client.js';
import { manyRegistrations } from '../support/test-guardyn.js';
import { useTestGuardyn } from '../support/use-test-guardyn.js';

const world = useTestGuardyn({ auth: manyRegistrations });
let alice: TestAccount;
let bob: TestAccount;
let bobPhone: TestAccount;
let carol: TestAccount;
const bobKey = newAccessKey();
const carolKey = newAccessKey();
/** Carol and Bob's keys combined, as a sender who knows both computes it. */
const combined = bobKey.map((byte, index) => byte ^ (carolKey[index] ?? 0));
let targets: SealedTarget[];

beforeAll(async () => {
  alice = await registerAccount(world.url);
  bob = await registerAccount(world.url);
  // libsignal's multi-recipient form encrypts one share per recipient, to the identity key that
  // all the recipient's devices share (as Signal's do).
  bobPhone = await linkDevice(world.url, bob, { identityKeyPair: bob.device.identityKeyPair });
  carol = await registerAccount(world.url);
  await setAccess(world.url, bob, bobKey);
  await setAccess(world.url, carol, carolKey);
  targets = [
    ...(await startSessions(world.url, alice, bob.userId)),
    ...(await startSessions(world.url, alice, carol.userId)),
  ];
});

async function payloadFor(to: readonly SealedTarget[], text: string): Promise<string> {
  const [first] = to;
  if (!first) throw new Error('no target');
  const certificate = await senderCertificateOf(world.url, alice);
  // Any CiphertextMessage stands for the group message: the server never reads it.
  const inner = await signalEncrypt(
    new TextEncoder().encode(text),
    protocolAddress(first),
    alice.device.address,
    alice.device.stores.sessions,
    alice.device.stores.identity,
  );
  return toBase64(await sealForMany(alice.device, certificate, to, inner));
}

function send(payload: string, accessKey: Uint8Array | null, clientMessageId: string) {
  return postGraphQL(world.url, SendSealedMultiRecipientMessageDocument, {
    input: {
      payload,
      combinedAccessKey: accessKey ? toBase64(accessKey) : null,
      clientMessageId,
    },
  });
}

describe('multi-recipient sealed sends', () => {
  it('store each device’s share once; each recipient finds A in the certificate', async () => {
    const trustRoot = await trustRootOf(world.url);
    const clientMessageId = `group-${randomBytes(4).toString('hex')}`;
    const payload = await payloadFor(targets, 'to the group');
    const sent = await send(payload, combined, clientMessageId);
    expect(sent.errors).toBeUndefined();
    expect(sent.data?.sendSealedMultiRecipientMessage.recipients).toBe(3);

    for (const device of [bob, bobPhone, carol]) {
      const inbox = await readInbox(world.url, device.accessToken);
      expect(inbox).toHaveLength(1);
      expect(inbox[0]).toMatchObject({ type: 'SEALED_SENDER', sender: null, conversation: null });
      const share = await openShare(device.device, inbox[0]?.content ?? '');
      expect(share.certificate.senderUuid()).toBe(alice.userId);
      expect(share.certificate.validate(trustRoot, Date.now())).toBe(true);
    }

    // A retry, and a later send naming one of the recipients with that clientMessageId, store nothing.
    const retry = await send(payload, combined, clientMessageId);
    expect(retry.data?.sendSealedMultiRecipientMessage.messageId).toBe(
      sent.data?.sendSealedMultiRecipientMessage.messageId,
    );
    const carolOnly = targets.filter((target) => target.userId === carol.userId);
    const again = await send(await payloadFor(carolOnly, 'again'), carolKey, clientMessageId);
    expect(again.data?.sendSealedMultiRecipientMessage.messageId).toBe(
      sent.data?.sendSealedMultiRecipientMessage.messageId,
    );
    expect(await readInbox(world.url, carol.accessToken)).toHaveLength(1);
  });

  it('refuses a wrong combined key and an incomplete device list, storing nothing', async () => {
    const dave = await registerAccount(world.url);
    const daveKey = newAccessKey();
    await setAccess(world.url, dave, daveKey);
    const toDave = await startSessions(world.url, alice, dave.userId);
    const everyone = [...targets, ...toDave];
    const payload = await payloadFor(everyone, 'four recipients');

    // Bob and Carol's keys without Dave's: the same answer as an unknown recipient.
    const wrong = await send(payload, combined, 'wrong-key');
    expect(wrong.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');

    const allKeys = combined.map((byte, index) => byte ^ (daveKey[index] ?? 0));
    const withoutBobPhone = everyone.filter(
      (target) => !(target.userId === bob.userId && target.deviceId === bobPhone.device.deviceId),
    );
    const partial = await send(
      await payloadFor(withoutBobPhone, 'missing a device'),
      allKeys,
      'partial',
    );
    expect(partial.errors?.[0]?.extensions).toMatchObject({
      code: 'MISMATCHED_DEVICES',
      missingDevices: [bobPhone.device.deviceId],
    });

    const bytes = await send(toBase64(randomBytes(64)), allKeys, 'garbage');
    expect(bytes.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    expect(await readInbox(world.url, dave.accessToken)).toEqual([]);

    // Unrestricted recipients count for nothing in the XOR.
    await setAccess(world.url, dave, null, true);
    const open = await send(payload, combined, 'dave-unrestricted');
    expect(open.data?.sendSealedMultiRecipientMessage.recipients).toBe(4);
    expect(await readInbox(world.url, dave.accessToken)).toHaveLength(1);
  });

  it('reach a subscribed device live, like any envelope, with no sender', async () => {
    const erin = await registerAccount(world.url);
    await setAccess(world.url, erin, null, true);
    const toErin = await startSessions(world.url, alice, erin.userId);
    const payload = await payloadFor(toErin, 'live');
    await withSubscriptions(world.url, erin.accessToken, async (socket) => {
      const before = world.guardyn.gateway?.subscriptions.followedSubjects() ?? 0;
      const stream = collect<{ messageReceived: Record<string, unknown> }>(
        socket.client,
        'subscription { messageReceived { id type sender { id } senderDeviceId } }',
      );
      await eventually(
        async () => world.guardyn.gateway?.subscriptions.followedSubjects(),
        before + 1,
      );
      const sent = await send(payload, null, 'live');
      expect(sent.errors).toBeUndefined();
      const [received] = await stream.waitFor(1);
      expect(received?.messageReceived).toMatchObject({
        type: 'SEALED_SENDER',
        sender: null,
        senderDeviceId: null,
      });
      stream.stop();
    });
  });
});
