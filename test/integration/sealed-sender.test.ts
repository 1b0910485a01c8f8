/**
 * Sealed sender end to end, with real libsignal clients (issue 14, item 7): A sends sealed to
 * B's two devices and to A's own other device; each recipient learns A only from the sender
 * certificate; and afterwards no store file and no log line joins A to those envelopes.
 */
import { randomBytes } from 'node:crypto';
import { beforeAll, describe, expect, it } from '@jest/globals';
import { PrivateKey, SenderCertificate, ServerCertificate } from '@signalapp/libsignal-client';
import { createLogger } from '../../shared/logging/index.js';
import { linkDevice, registerAccount, type TestAccount } from '../support/accounts.js';
import { ackEnvelopes, readInbox } from '../support/messaging-client.js';
import { filesHoldingAny } from '../support/plaintext-scan.js';
import {
  newAccessKey,
  openSealed,
  postSealed,
  sealFor,
  senderCertificateOf,
  setAccess,
  startSessions,
  trustRootOf,
} from '../support/sealed-sender-client.js';
import { toBase64 } from '../support/signal-device.js';
import { manyRegistrations } from '../support/test-guardyn.js';
import { useTestGuardyn } from '../support/use-test-guardyn.js';

/** Every line the embedded Guardyn logs, at the most detailed level. */
const lines: string[] = [];
const world = useTestGuardyn({
  auth: manyRegistrations,
  logger: createLogger('trace', 'embedded', {
    destination: { write: (line: string) => void lines.push(line) },
  }),
});
let alice: TestAccount;
let alicePhone: TestAccount;
let bob: TestAccount;
let bobPhone: TestAccount;
const bobKey = newAccessKey();
const aliceKey = newAccessKey();

beforeAll(async () => {
  alice = await registerAccount(world.url);
  alicePhone = await linkDevice(world.url, alice);
  bob = await registerAccount(world.url);
  bobPhone = await linkDevice(world.url, bob);
  await setAccess(world.url, bob, bobKey);
  await setAccess(world.url, alice, aliceKey);
});

describe('sealed sender', () => {
  it('delivers to B’s two devices and to A’s other device, each learning A from the certificate only', async () => {
    const trustRoot = await trustRootOf(world.url);
    const certificate = await senderCertificateOf(world.url, alice);
    const toBob = await startSessions(world.url, alice, bob.userId);
    expect(toBob).toHaveLength(2);
    const clientMessageId = `sealed-${randomBytes(4).toString('hex')}`;
    const input = {
      recipientId: bob.userId,
      accessKey: toBase64(bobKey),
      clientMessageId,
      envelopes: await sealFor(alice.device, certificate, toBob, enc('hello Bob, sealed')),
    };

    const logged = lines.length;
    const sent = await postSealed(world.url, input);
    expect(sent.errors).toBeUndefined();
    expect(sent.data?.sendSealedMessage.recipients).toBe(2);
    const duringSend = lines.slice(logged);

    for (const device of [bob, bobPhone]) {
      const [envelope, ...rest] = await readInbox(world.url, device.accessToken);
      expect(rest).toEqual([]);
      expect(envelope).toMatchObject({
        type: 'SEALED_SENDER',
        sender: null,
        senderDeviceId: null,
        conversation: null,
      });
      const opened = await openSealed(device.device, trustRoot, envelope?.content ?? '');
      expect(opened).toEqual({
        senderUserId: alice.userId,
        senderDeviceId: alice.device.deviceId,
        plaintext: 'hello Bob, sealed',
      });
    }
    // A retry is answered with the first result and stores nothing.
    const retry = await postSealed(world.url, input);
    expect(retry.data?.sendSealedMessage.messageId).toBe(sent.data?.sendSealedMessage.messageId);
    expect(await readInbox(world.url, bobPhone.accessToken)).toHaveLength(1);
    // Without the key, not even the earlier result is shown.
    const guess = await postSealed(world.url, { ...input, accessKey: toBase64(aliceKey) });
    expect(guess.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');

    // Nothing under the data directory joins A to B's envelopes: no file holds both A's marks
    // and one of the envelopes' (their bytes, ids or message id).
    const envelopeMarks = [
      ...input.envelopes.map((envelope) => Buffer.from(envelope.content, 'base64')),
      ...[sent.data?.sendSealedMessage.messageId ?? 'none'].map((id) => Buffer.from(id)),
    ];
    const aliceMarks = [
      Buffer.from(alice.userId),
      Buffer.from(alice.username),
      Buffer.from(alice.device.identityKeyPair.publicKey.serialize()),
    ];
    const withEnvelopes = await filesHoldingAny(world.guardyn.dataDir, envelopeMarks);
    expect(withEnvelopes.length).toBeGreaterThan(0);
    const withAlice = await filesHoldingAny(world.guardyn.dataDir, aliceMarks);
    expect(withAlice.length).toBeGreaterThan(0);
    expect(withEnvelopes.filter((file) => withAlice.includes(file))).toEqual([]);
    // Nor the log: no line of the send names A, A's device, or the client's address.
    for (const line of duringSend) {
      for (const mark of [alice.userId, alice.username, '127.0.0.1', '::1', bob.userId]) {
        expect(line).not.toContain(mark);
      }
    }

    // A reaches A's own other device with a separate sealed send to A.
    const toPhone = await startSessions(world.url, alice, alice.userId, [
      alicePhone.device.deviceId,
    ]);
    const own = await postSealed(world.url, {
      recipientId: alice.userId,
      accessKey: toBase64(aliceKey),
      clientMessageId: `own-${clientMessageId}`,
      ownDeviceId: alice.device.deviceId,
      envelopes: await sealFor(alice.device, certificate, toPhone, enc('note to my phone')),
    });
    expect(own.data?.sendSealedMessage.recipients).toBe(1);
    const [copy] = await readInbox(world.url, alicePhone.accessToken);
    expect(copy).toMatchObject({ type: 'SEALED_SENDER', sender: null });
    expect(await openSealed(alicePhone.device, trustRoot, copy?.content ?? '')).toMatchObject({
      senderUserId: alice.userId,
      plaintext: 'note to my phone',
    });
    expect(await readInbox(world.url, alice.accessToken)).toEqual([]);
  });

  it('refuses a send with a token, a wrong key, an unknown recipient and a turned-off key, storing nothing', async () => {
    const carol = await registerAccount(world.url);
    const carolKey = newAccessKey();
    await setAccess(world.url, carol, carolKey);
    const certificate = await senderCertificateOf(world.url, alice);
    const toCarol = await startSessions(world.url, alice, carol.userId);
    const input = {
      recipientId: carol.userId,
      accessKey: toBase64(carolKey),
      clientMessageId: 'refusals',
      envelopes: await sealFor(alice.device, certificate, toCarol, enc('for Carol')),
    };
    const code = async (response: ReturnType<typeof postSealed>) =>
      (await response).errors?.[0]?.extensions?.code;

    // A token, valid or not, at the gateway or straight at messaging: refused before any check.
    expect(await code(postSealed(world.url, input, alice.accessToken))).toBe('BAD_USER_INPUT');
    expect(await code(postSealed(world.url, input, 'not-a-token'))).toBe('BAD_USER_INPUT');
    const messaging = world.guardyn.subgraphs.messaging?.url ?? '';
    expect(await code(postSealed(messaging, input, alice.accessToken))).toBe('BAD_USER_INPUT');

    // A wrong key and an unknown recipient get one answer.
    const wrongKey = await postSealed(world.url, { ...input, accessKey: toBase64(bobKey) });
    const unknown = await postSealed(world.url, {
      ...input,
      recipientId: '0190a1b2-0000-7000-8000-000000000000',
    });
    expect(wrongKey.errors?.[0]).toEqual(unknown.errors?.[0] && { ...unknown.errors[0] });
    expect(wrongKey.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
    expect(await code(postSealed(world.url, { ...input, accessKey: null }))).toBe(
      'UNAUTHENTICATED',
    );
    expect(await readInbox(world.url, carol.accessToken)).toEqual([]);

    // Carol turns key-based access off: her old key no longer opens her mailbox.
    await setAccess(world.url, carol, null);
    expect(await code(postSealed(world.url, input))).toBe('UNAUTHENTICATED');
    expect(await readInbox(world.url, carol.accessToken)).toEqual([]);

    // Unrestricted: anyone may send sealed to her, with no key at all.
    await setAccess(world.url, carol, null, true);
    const open = await postSealed(world.url, { ...input, accessKey: null });
    expect(open.data?.sendSealedMessage.recipients).toBe(1);
    expect(await readInbox(world.url, carol.accessToken)).toHaveLength(1);
  });
});

describe('sender certificates', () => {
  it('are the caller’s device for 24 hours; clients refuse one expired or signed by another root', async () => {
    const trustRoot = await trustRootOf(world.url);
    const certificate = await senderCertificateOf(world.url, alice);
    expect(certificate.senderUuid()).toBe(alice.userId);
    expect(certificate.senderE164()).toBeNull();
    expect(certificate.senderDeviceId()).toBe(alice.device.deviceId);
    expect(certificate.key().serialize()).toEqual(
      alice.device.identityKeyPair.publicKey.serialize(),
    );
    const lifetime = certificate.expiration() - Date.now();
    expect(lifetime).toBeGreaterThan(23.9 * 3600_000);
    expect(lifetime).toBeLessThanOrEqual(24 * 3600_000);
    expect(certificate.validate(trustRoot, Date.now())).toBe(true);

    const dave = await registerAccount(world.url);
    const daveKey = newAccessKey();
    await setAccess(world.url, dave, daveKey);
    const toDave = await startSessions(world.url, alice, dave.userId);
    const sendToDave = async (signedBy: SenderCertificate, text: string) => {
      const sent = await postSealed(world.url, {
        recipientId: dave.userId,
        accessKey: toBase64(daveKey),
        clientMessageId: `cert-${randomBytes(4).toString('hex')}`,
        envelopes: await sealFor(alice.device, signedBy, toDave, enc(text)),
      });
      expect(sent.errors).toBeUndefined();
      const inbox = await readInbox(world.url, dave.accessToken);
      await ackEnvelopes(
        world.url,
        dave.accessToken,
        inbox.map((envelope) => envelope.id),
      );
      return inbox[0]?.content ?? '';
    };

    // Past its expiry the recipient's libsignal refuses the certificate (the server never looks).
    const late = await sendToDave(certificate, 'read too late');
    await expect(
      openSealed(dave.device, trustRoot, late, certificate.expiration() + 1),
    ).rejects.toThrow();
    // (The same envelope opens while the certificate is valid: the refusal was the expiry's.)
    expect((await openSealed(dave.device, trustRoot, late)).plaintext).toBe('read too late');

    // A certificate chain under some other trust root: refused against the pinned one.
    const otherRoot = PrivateKey.generate();
    const otherServerKey = PrivateKey.generate();
    const forged = SenderCertificate.new(
      alice.userId,
      null,
      alice.device.deviceId,
      alice.device.identityKeyPair.publicKey,
      Date.now() + 3600_000,
      ServerCertificate.new(1, otherServerKey.getPublicKey(), otherRoot),
      otherServerKey,
    );
    const spoofed = await sendToDave(forged, 'signed by someone else');
    await expect(openSealed(dave.device, trustRoot, spoofed)).rejects.toThrow();
  });
});

const enc = (text: string) => new TextEncoder().encode(text);
