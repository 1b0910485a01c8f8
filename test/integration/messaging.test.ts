import { randomBytes } from 'node:crypto';
import path from 'node:path';
import Database from 'better-sqlite3';
import { beforeAll, describe, expect, it } from '@jest/globals';
import {
  linkDevice,
  registerAccount,
  removeDevice,
  type TestAccount,
} from '../support/accounts.js';
import { eventually } from '../support/eventually.js';
import { expectData, expectErrorCode } from '../support/graphql-client.js';
import {
  ackEnvelopes,
  readInbox,
  recipientDevices,
  sendMessageMutation,
} from '../support/messaging-client.js';
import { createMlsClient } from '../support/mls-client.js';
import { createMlsGroup, encryptApplicationMessage } from '../support/mls-group.js';
import { toBase64 } from '../support/signal-device.js';
import { manyRegistrations } from '../support/test-guardyn.js';
import { useTestGuardyn } from '../support/use-test-guardyn.js';

const world = useTestGuardyn({ auth: manyRegistrations });

const opaque = (length = 32) => toBase64(new Uint8Array(randomBytes(length)));
const clientMessageId = () => `c-${randomBytes(6).toString('hex')}`;

/** Envelopes for every device of `to` (opaque bytes: the server never reads Signal messages). */
function envelopesFor(to: { registrationIds: Map<number, number> }) {
  return [...to.registrationIds].map(([deviceId, registrationId]) => ({
    deviceId,
    registrationId,
    type: 'SIGNAL_MESSAGE',
    content: opaque(),
  }));
}

async function withDevices(account: TestAccount) {
  const devices = await recipientDevices(world.url, account, account.userId);
  return {
    ...account,
    registrationIds: new Map(devices.map((d) => [d.deviceId, d.registrationId])),
  };
}

describe('sendMessage', () => {
  let alice: TestAccount;
  let bob: Awaited<ReturnType<typeof withDevices>>;
  beforeAll(async () => {
    alice = await registerAccount(world.url);
    const bobAccount = await registerAccount(world.url);
    await linkDevice(world.url, bobAccount);
    bob = await withDevices(bobAccount);
  });

  const send = (input: Record<string, unknown>, token = alice.accessToken) =>
    expectErrorCode(
      world.url,
      sendMessageMutation,
      { input: { recipientId: bob.userId, clientMessageId: clientMessageId(), ...input } },
      token,
    );

  it.each([
    ['no envelopes', () => ({ envelopes: [] }), 'BAD_USER_INPUT'],
    [
      'two envelopes for one device',
      () => ({ envelopes: [...envelopesFor(bob), envelopesFor(bob)[0]] }),
      'BAD_USER_INPUT',
    ],
    ['a missing device', () => ({ envelopes: envelopesFor(bob).slice(1) }), 'MISMATCHED_DEVICES'],
    [
      'an extra device',
      () => ({ envelopes: [...envelopesFor(bob), { ...envelopesFor(bob)[0], deviceId: 9 }] }),
      'MISMATCHED_DEVICES',
    ],
    [
      'a stale registration id',
      () => ({
        envelopes: envelopesFor(bob).map((e) => ({
          ...e,
          registrationId: (e.registrationId % 16000) + 1,
        })),
      }),
      'STALE_DEVICES',
    ],
    [
      'content over 256 KiB',
      () => ({
        envelopes: envelopesFor(bob).map((e) => ({ ...e, content: opaque(256 * 1024 + 1) })),
      }),
      'PAYLOAD_TOO_LARGE',
    ],
    [
      'an MLS type',
      () => ({ envelopes: envelopesFor(bob).map((e) => ({ ...e, type: 'MLS_COMMIT' })) }),
      'BAD_USER_INPUT',
    ],
    [
      'an envelope for a third user',
      () => ({
        envelopes: [
          ...envelopesFor(bob),
          { ...envelopesFor(bob)[0], userId: '00000000-0000-4000-8000-000000000001' },
        ],
      }),
      'BAD_USER_INPUT',
    ],
    [
      'an unknown recipient',
      () => ({ recipientId: '00000000-0000-4000-8000-000000000000', envelopes: envelopesFor(bob) }),
      'NOT_FOUND',
    ],
    [
      'an empty clientMessageId',
      () => ({ clientMessageId: '', envelopes: envelopesFor(bob) }),
      'BAD_USER_INPUT',
    ],
  ])('refuses %s and stores nothing', async (_name, input, code) => {
    const refusal = await send(input());
    expect(refusal.code).toBe(code);
    for (const token of [bob.accessToken]) expect(await readInbox(world.url, token)).toEqual([]);
  });

  it('names the missing and extra devices', async () => {
    const refusal = await send({
      envelopes: [envelopesFor(bob)[1], { ...envelopesFor(bob)[0], deviceId: 7 }],
    });
    expect(refusal.error.extensions).toMatchObject({ missingDevices: [1], extraDevices: [7] });
    const stale = await send({
      envelopes: envelopesFor(bob).map((e) =>
        e.deviceId === 2 ? { ...e, registrationId: e.registrationId === 1 ? 2 : 1 } : e,
      ),
    });
    expect(stale.error.extensions).toMatchObject({ code: 'STALE_DEVICES', staleDevices: [2] });
  });

  it('needs a token', async () => {
    expect((await send({ envelopes: envelopesFor(bob) }, '')).code).toBe('UNAUTHENTICATED');
  });

  it('is idempotent on clientMessageId: a retry returns the first result and stores nothing twice', async () => {
    const id = clientMessageId();
    const input = {
      recipientId: bob.userId,
      clientMessageId: id,
      envelopes: envelopesFor(bob),
      deliveryReceipts: false,
    };
    const first = await expectData<{ sendMessage: { messageId: string } }>(
      world.url,
      sendMessageMutation,
      { input },
      alice.accessToken,
    );
    const again = await expectData<{ sendMessage: { messageId: string } }>(
      world.url,
      sendMessageMutation,
      { input },
      alice.accessToken,
    );
    expect(again).toEqual(first);
    const inbox = await readInbox(world.url, bob.accessToken);
    expect(inbox).toHaveLength(1);
    await ackEnvelopes(
      world.url,
      bob.accessToken,
      inbox.map((e) => e.id),
    );
    // deliveryReceipts: false, so Alice gets no receipt.
    expect(await readInbox(world.url, alice.accessToken)).toEqual([]);
  });
});

describe('mailboxes and conversations', () => {
  it('pages the inbox, acks only the caller’s own envelopes, and lists the direct conversation', async () => {
    const alice = await registerAccount(world.url);
    const bob = await withDevices(await registerAccount(world.url));
    const carol = await registerAccount(world.url);
    for (let i = 0; i < 5; i++) {
      await expectData(
        world.url,
        sendMessageMutation,
        {
          input: {
            recipientId: bob.userId,
            clientMessageId: `m${i}`,
            envelopes: envelopesFor(bob),
          },
        },
        alice.accessToken,
      );
    }
    const all = await readInbox(world.url, bob.accessToken, 2);
    expect(all).toHaveLength(5);
    expect(all.map((e) => e.serverTimestamp)).toEqual(
      [...all.map((e) => e.serverTimestamp)].sort(),
    );
    for (const first of [0, 501]) {
      expect(
        (
          await expectErrorCode(
            world.url,
            'query ($f: Int) { inbox(first: $f) { hasMore } }',
            { f: first },
            bob.accessToken,
          )
        ).code,
      ).toBe('BAD_USER_INPUT');
    }

    expect(
      await ackEnvelopes(
        world.url,
        carol.accessToken,
        all.map((e) => e.id),
      ),
    ).toBe(0);
    expect(await readInbox(world.url, bob.accessToken)).toHaveLength(5);
    expect(
      await ackEnvelopes(
        world.url,
        bob.accessToken,
        all.slice(0, 2).map((e) => e.id),
      ),
    ).toBe(2);
    expect(await readInbox(world.url, bob.accessToken)).toHaveLength(3);

    const { conversations } = await expectData<{
      conversations: { id: string; kind: string; members: { username: string }[] }[];
    }>(world.url, '{ conversations { id kind epoch members { username } } }', {}, bob.accessToken);
    expect(conversations).toHaveLength(1);
    expect(conversations[0]?.kind).toBe('DIRECT');
    expect(conversations[0]?.members.map((m) => m.username).sort()).toEqual(
      [alice.username, bob.username].sort(),
    );
    const peek = await expectData<{ conversation: null }>(
      world.url,
      'query ($id: ID!) { conversation(id: $id) { id } }',
      { id: conversations[0]?.id },
      carol.accessToken,
    );
    expect(peek.conversation).toBeNull();
  });
});

describe('device removal', () => {
  it('deletes the removed device’s mailbox', async () => {
    const alice = await registerAccount(world.url);
    const bobAccount = await registerAccount(world.url);
    const bob2 = await linkDevice(world.url, bobAccount);
    const bob = await withDevices(bobAccount);
    await expectData(
      world.url,
      sendMessageMutation,
      {
        input: { recipientId: bob.userId, clientMessageId: 'before', envelopes: envelopesFor(bob) },
      },
      alice.accessToken,
    );
    const db = new Database(path.join(world.guardyn.dataDir, 'messaging.sqlite'), {
      readonly: true,
    });
    const pending = () =>
      (
        db
          .prepare(
            'SELECT COUNT(*) AS n FROM envelopes WHERE recipient_user_id = ? AND recipient_device_id = ?',
          )
          .get(bob.userId, bob2.deviceId) as { n: number }
      ).n;
    try {
      expect(pending()).toBe(1);
      await removeDevice(world.url, bob, bob2.deviceId);
      expect(await eventually(async () => pending(), 0)).toBe(0);
      expect(await readInbox(world.url, bob.accessToken)).toHaveLength(1);
    } finally {
      db.close();
    }
  });
});

describe('MLS groups', () => {
  const createGroup =
    'mutation ($input: CreateGroupInput!) { createGroup(input: $input) { id epoch } }';
  const commitGroup = 'mutation ($input: CommitInput!) { commitGroup(input: $input) { epoch } }';

  it('refuses duplicate group ids, non-members, malformed or mismatched MLS bytes, and changes nothing', async () => {
    const alice = await registerAccount(world.url);
    const mallory = await registerAccount(world.url);
    const mls = await createMlsClient({ userId: alice.userId, deviceId: 1 });
    const groupId = randomBytes(16);
    const member = await createMlsGroup(mls, groupId);
    const { createGroup: group } = await expectData<{ createGroup: { id: string } }>(
      world.url,
      createGroup,
      { input: { mlsGroupId: toBase64(groupId) } },
      alice.accessToken,
    );
    expect(
      (
        await expectErrorCode(
          world.url,
          createGroup,
          { input: { mlsGroupId: toBase64(groupId) } },
          mallory.accessToken,
        )
      ).code,
    ).toBe('CONFLICT');
    expect(
      (
        await expectErrorCode(
          world.url,
          createGroup,
          { input: { mlsGroupId: '' } },
          alice.accessToken,
        )
      ).code,
    ).toBe('BAD_USER_INPUT');

    const otherGroup = await createMlsGroup(
      await createMlsClient({ userId: alice.userId, deviceId: 1 }),
    );
    const application = await encryptApplicationMessage(member, 'hello');
    const cases: [string, Record<string, unknown>, string, string][] = [
      [
        'a non-member',
        { epoch: 0, commit: toBase64(application) },
        mallory.accessToken,
        'FORBIDDEN',
      ],
      ['garbage bytes', { epoch: 0, commit: opaque(20) }, alice.accessToken, 'BAD_USER_INPUT'],
      [
        'an application message as commit',
        { epoch: 0, commit: toBase64(application) },
        alice.accessToken,
        'BAD_USER_INPUT',
      ],
      [
        'a welcome without added users',
        { epoch: 0, commit: toBase64(application), welcome: opaque() },
        alice.accessToken,
        'BAD_USER_INPUT',
      ],
      [
        'an unknown conversation',
        { conversationId: '00000000-0000-4000-8000-000000000000', epoch: 0, commit: opaque() },
        alice.accessToken,
        'NOT_FOUND',
      ],
    ];
    for (const [, input, token, code] of cases) {
      const refusal = await expectErrorCode(
        world.url,
        commitGroup,
        { input: { conversationId: group.id, ...input } },
        token,
      );
      expect(refusal.code).toBe(code);
    }
    const foreign = await encryptApplicationMessage(otherGroup, 'elsewhere');
    const misplaced = await expectErrorCode(
      world.url,
      'mutation ($input: GroupMessageInput!) { sendGroupMessage(input: $input) { messageId } }',
      {
        input: {
          conversationId: group.id,
          epoch: 0,
          message: toBase64(foreign),
          clientMessageId: 'x',
        },
      },
      alice.accessToken,
    );
    expect(misplaced.code).toBe('BAD_USER_INPUT');
    expect(misplaced.error.message).toContain('another MLS group');
    const { conversation } = await expectData<{ conversation: { epoch: number } }>(
      world.url,
      'query ($id: ID!) { conversation(id: $id) { epoch } }',
      { id: group.id },
      alice.accessToken,
    );
    expect(conversation.epoch).toBe(0);
  });
});
