/**
 * The mailbox flood, replayed against a running supergraph: a stranger bursting sends into
 * someone's mailbox, and a mailbox at its quota. Limits are set low so a few sends show them.
 */
import { randomBytes } from 'node:crypto';
import { describe, expect, it } from '@jest/globals';
import { linkDevice, registerAccount, type TestAccount } from '../support/accounts.js';
import { expectData, postGraphQL, type ClientError } from '../support/graphql-client.js';
import {
  ackEnvelopes,
  readInbox,
  recipientDevices,
  sendMessageMutation,
} from '../support/messaging-client.js';
import { createKeyPackage, createMlsClient } from '../support/mls-client.js';
import {
  addMembers,
  createMlsGroup,
  encryptApplicationMessage,
  joinFromWelcome,
  removeMember,
} from '../support/mls-group.js';
import { toBase64 } from '../support/signal-device.js';
import { manyRegistrations } from '../support/test-guardyn.js';
import { useTestGuardyn } from '../support/use-test-guardyn.js';

const sendsPerMinute = 3;
const maxEnvelopes = 4;

const world = useTestGuardyn({
  auth: manyRegistrations,
  env: {
    GUARDYN_MESSAGING__SEND_RATE_PER_MINUTE: String(sendsPerMinute),
    // 8 units of 64 KiB: two sends of one 200 KiB envelope, not three.
    GUARDYN_MESSAGING__SEND_BYTES_PER_MINUTE: String(512 * 1024),
    GUARDYN_MESSAGING__MAILBOX_MAX_ENVELOPES: String(maxEnvelopes),
    GUARDYN_MESSAGING__MAILBOX_MAX_BYTES: String(600_000),
  },
});

type Devices = { deviceId: number; registrationId: number }[];

function devicesOf(viewer: TestAccount, userId: string): Promise<Devices> {
  return recipientDevices(world.url, viewer, userId);
}

interface Sent {
  readonly clientMessageId: string;
  readonly content: string;
  readonly messageId?: string;
  readonly error?: ClientError;
}

/**
 * One send of `content` to every device of `to` and every other device of `from` (as a client
 * must), answering the result or the error.
 */
async function send(
  from: TestAccount & { deviceId?: number },
  to: TestAccount,
  options: { content?: Buffer; clientMessageId?: string } = {},
): Promise<Sent> {
  const clientMessageId = options.clientMessageId ?? `c-${randomBytes(6).toString('hex')}`;
  const content = (options.content ?? randomBytes(64)).toString('base64');
  const own = (await devicesOf(from, from.userId)).filter(
    (device) => device.deviceId !== (from.deviceId ?? 1),
  );
  const envelopes = [
    ...(await devicesOf(from, to.userId)).map((device) => ({ ...device })),
    ...own.map((device) => ({ ...device, userId: from.userId })),
  ].map((device) => ({ ...device, type: 'SIGNAL_MESSAGE', content }));
  const response = await postGraphQL<{ sendMessage: { messageId: string } }>(
    world.url,
    sendMessageMutation,
    { input: { recipientId: to.userId, clientMessageId, deliveryReceipts: false, envelopes } },
    from.accessToken,
  );
  const error = response.errors?.[0];
  return error
    ? { clientMessageId, content, error }
    : { clientMessageId, content, messageId: response.data?.sendMessage.messageId ?? '' };
}

const contents = async (account: TestAccount) =>
  (await readInbox(world.url, account.accessToken)).map((envelope) => envelope.content).sort();

describe('a stranger flooding a mailbox', () => {
  it('is refused RATE_LIMITED after the per-minute sends, and the refused sends store nothing', async () => {
    const [stranger, victim] = [await registerAccount(world.url), await registerAccount(world.url)];
    const burst = await Promise.all(Array.from({ length: 8 }, () => send(stranger, victim)));

    const stored = burst.filter((attempt) => attempt.messageId !== undefined);
    const refused = burst.filter((attempt) => attempt.error !== undefined);
    expect(stored).toHaveLength(sendsPerMinute);
    expect(refused).toHaveLength(8 - sendsPerMinute);
    for (const { error } of refused) {
      expect(error?.extensions?.code).toBe('RATE_LIMITED');
      expect(error?.extensions?.['retryAfterSeconds']).toEqual(expect.any(Number));
      expect(error?.extensions?.['retryAfterSeconds']).toBeGreaterThanOrEqual(1);
      expect(error?.extensions?.['retryAfterSeconds']).toBeLessThanOrEqual(60);
    }
    expect(await contents(victim)).toEqual(stored.map((attempt) => attempt.content).sort());

    // At its limit, the stranger's retry of a stored send still gets the first result.
    const [first] = stored;
    const retry = await send(stranger, victim, {
      clientMessageId: first?.clientMessageId ?? '',
      content: Buffer.from(first?.content ?? '', 'base64'),
    });
    expect(retry).toMatchObject({ messageId: first?.messageId });
    expect(await contents(victim)).toHaveLength(sendsPerMinute);
  });

  it('is refused RATE_LIMITED once its envelope bytes pass the per-minute allowance', async () => {
    const [stranger, victim] = [await registerAccount(world.url), await registerAccount(world.url)];
    const big = () => ({ content: randomBytes(200 * 1024) });
    expect((await send(stranger, victim, big())).messageId).toBeDefined();
    expect((await send(stranger, victim, big())).messageId).toBeDefined();
    const third = await send(stranger, victim, big());
    expect(third.error?.extensions).toMatchObject({ code: 'RATE_LIMITED' });
    expect(await contents(victim)).toHaveLength(2);
  });
});

describe('a mailbox at its quota', () => {
  it('refuses the next send PAYLOAD_TOO_LARGE naming the full device, stores it for no device, and takes sends again once acked', async () => {
    const alice = await registerAccount(world.url);
    const aliceOther = await linkDevice(world.url, alice);
    const bob = await registerAccount(world.url);
    const bobOther = await linkDevice(world.url, bob);
    const [carol, dave] = [await registerAccount(world.url), await registerAccount(world.url)];

    // Bob's devices get 4 envelopes each, 2 from Alice (copied to her other device), 2 from Carol.
    const aliceFirst = await send(alice, bob);
    expect(aliceFirst.messageId).toBeDefined();
    expect((await send(alice, bob)).messageId).toBeDefined();
    for (let i = 0; i < 2; i++) expect((await send(carol, bob)).messageId).toBeDefined();
    // Bob's second device reads and acks everything: only his first device is full.
    const onOther = await readInbox(world.url, bobOther.accessToken);
    expect(onOther).toHaveLength(maxEnvelopes);
    await ackEnvelopes(
      world.url,
      bobOther.accessToken,
      onOther.map((envelope) => envelope.id),
    );

    const refused = await send(alice, bob);
    expect(refused.error?.extensions).toMatchObject({
      code: 'PAYLOAD_TOO_LARGE',
      quota: 'MAILBOX',
      maxEnvelopes,
      maxBytes: 600_000,
      fullDevices: [{ userId: bob.userId, deviceId: 1 }],
    });
    // Nothing for anyone: not Bob's device with room, not Alice's other device.
    expect(await contents(bob)).toHaveLength(maxEnvelopes);
    expect(await contents(bobOther)).toEqual([]);
    expect(await contents(aliceOther)).toHaveLength(2);
    expect(await contents(aliceOther)).not.toContain(refused.content);

    // A retry of a send stored before the mailbox filled still gets its first result.
    const retry = await send(alice, bob, {
      clientMessageId: aliceFirst.clientMessageId,
      content: Buffer.from(aliceFirst.content, 'base64'),
    });
    expect(retry).toMatchObject({ messageId: aliceFirst.messageId });

    // Acking frees the quota.
    const [oldest] = await readInbox(world.url, bob.accessToken);
    await ackEnvelopes(world.url, bob.accessToken, [oldest?.id ?? '']);
    const afterAck = await send(dave, bob);
    expect(afterAck.messageId).toBeDefined();
    expect(await contents(bob)).toContain(afterAck.content);
    expect(await contents(bob)).toHaveLength(maxEnvelopes);

    // A stranger refused at a full mailbox does not become Bob's conversation peer either.
    const eve = await registerAccount(world.url);
    expect((await send(eve, bob)).error?.extensions?.code).toBe('PAYLOAD_TOO_LARGE');
    const { conversations } = await expectData<{ conversations: unknown[] }>(
      world.url,
      '{ conversations { id } }',
      {},
      eve.accessToken,
    );
    expect(conversations).toEqual([]);
  });

  it('counts bytes too', async () => {
    const [alice, carol, bob] = [
      await registerAccount(world.url),
      await registerAccount(world.url),
      await registerAccount(world.url),
    ];
    expect((await send(alice, bob, { content: randomBytes(200 * 1024) })).messageId).toBeDefined();
    expect((await send(carol, bob, { content: randomBytes(200 * 1024) })).messageId).toBeDefined();
    const refused = await send(carol, bob, { content: randomBytes(200 * 1024) });
    expect(refused.error?.extensions).toMatchObject({
      code: 'PAYLOAD_TOO_LARGE',
      fullDevices: [{ userId: bob.userId, deviceId: 1 }],
    });
    expect(await contents(bob)).toHaveLength(2);
  });
});

describe('a full member mailbox in an MLS group', () => {
  const mutation = {
    createGroup: 'mutation ($input: CreateGroupInput!) { createGroup(input: $input) { id } }',
    commitGroup: 'mutation ($input: CommitInput!) { commitGroup(input: $input) { epoch } }',
    sendGroupMessage:
      'mutation ($input: GroupMessageInput!) { sendGroupMessage(input: $input) { recipients } }',
  };
  const types = async (account: TestAccount) =>
    (await readInbox(world.url, account.accessToken)).map((envelope) => envelope.type);

  it('misses group messages, blocks commits that keep it, and lets the group remove it', async () => {
    const [alice, bob, carol, dave] = [
      await registerAccount(world.url),
      await registerAccount(world.url),
      await registerAccount(world.url),
      await registerAccount(world.url),
    ];
    const aliceMls = await createMlsClient({ userId: alice.userId });
    const bobMls = await createMlsClient({ userId: bob.userId });
    const carolMls = await createMlsClient({ userId: carol.userId });
    const groupId = randomBytes(16);
    const aliceMember = await createMlsGroup(aliceMls, groupId);
    const { createGroup: group } = await expectData<{ createGroup: { id: string } }>(
      world.url,
      mutation.createGroup,
      { input: { mlsGroupId: toBase64(groupId) } },
      alice.accessToken,
    );
    const keyPackages = [await createKeyPackage(bobMls), await createKeyPackage(carolMls)];
    const added = await addMembers(
      aliceMember,
      keyPackages.map((keyPackage) => keyPackage.bytes),
    );
    await expectData(
      world.url,
      mutation.commitGroup,
      {
        input: {
          conversationId: group.id,
          epoch: 0,
          commit: toBase64(added.commit),
          welcome: toBase64(added.welcome),
          addedUserIds: [bob.userId, carol.userId],
        },
      },
      alice.accessToken,
    );
    // Bob holds his Welcome and three messages from Dave: his mailbox is at its quota.
    for (let i = 0; i < 3; i++) expect((await send(dave, bob)).messageId).toBeDefined();

    // A group message skips Bob rather than silencing the group.
    const message = await encryptApplicationMessage(aliceMember, 'hello');
    const { sendGroupMessage } = await expectData<{ sendGroupMessage: { recipients: number } }>(
      world.url,
      mutation.sendGroupMessage,
      {
        input: {
          conversationId: group.id,
          epoch: 1,
          message: toBase64(message),
          clientMessageId: 'g-1',
        },
      },
      alice.accessToken,
    );
    expect(sendGroupMessage.recipients).toBe(1);
    expect(await types(carol)).toEqual(['MLS_WELCOME', 'MLS_APPLICATION']);
    expect(await types(bob)).toEqual(['MLS_WELCOME', ...Array(3).fill('SIGNAL_MESSAGE')]);

    // A commit must reach every member or none: one Bob keeps cannot be stored.
    const carolMember = await joinFromWelcome(carolMls, added.welcome);
    const atEpochOne = carolMember.state;
    const keeping = await removeMember(carolMember, `${alice.userId}.1`);
    const blocked = await postGraphQL(
      world.url,
      mutation.commitGroup,
      {
        input: {
          conversationId: group.id,
          epoch: 1,
          commit: toBase64(keeping.commit),
          removedUserIds: [alice.userId],
        },
      },
      carol.accessToken,
    );
    expect(blocked.errors?.[0]?.extensions).toMatchObject({
      code: 'PAYLOAD_TOO_LARGE',
      quota: 'MAILBOX',
      fullDevices: [{ userId: bob.userId, deviceId: 1 }],
    });
    expect(await types(alice)).toEqual([]);

    // The commit that removes Bob goes through, to Bob too (over his quota by that one).
    const removing = await removeMember({ client: carolMls, state: atEpochOne }, `${bob.userId}.1`);
    const { commitGroup } = await expectData<{ commitGroup: { epoch: number } }>(
      world.url,
      mutation.commitGroup,
      {
        input: {
          conversationId: group.id,
          epoch: 1,
          commit: toBase64(removing.commit),
          removedUserIds: [bob.userId],
        },
      },
      carol.accessToken,
    );
    expect(commitGroup.epoch).toBe(2);
    expect(await types(bob)).toEqual([
      'MLS_WELCOME',
      ...Array(3).fill('SIGNAL_MESSAGE'),
      'MLS_COMMIT',
    ]);
    expect(await types(alice)).toEqual(['MLS_COMMIT']);
  });
});
