import { expect } from '@jest/globals';
import { CloseCode } from '../../../gateway/index.js';
import {
  ConversationsDocument,
  DeleteAccountDocument,
  MessageReceivedDocument,
  RecipientDevicesDocument,
  RegisterDocument,
  SendMessageDocument,
} from '../../../schema/generated/operations.js';
import { registerAccount, type TestAccount } from '../../support/accounts.js';
import { until } from '../../support/eventually.js';
import { expectData, expectErrorCode } from '../../support/graphql-client.js';
import { readInbox, sendOpaqueMessage } from '../../support/messaging-client.js';
import { toDeviceKeysInput, createTestDevice } from '../../support/signal-device.js';
import { collect, connectSubscriptions } from '../../support/subscriptions-client.js';
import type { TraceProbe } from '../../support/user-traces.js';
import { leaveFootprint } from './account-footprint.js';
import type { E2eTarget } from './target.js';

/** Deletes the account with its own password; the mutation's data. */
export const deleteAccount = (url: string, account: TestAccount, password = account.password) =>
  expectData(url, DeleteAccountDocument, { password }, account.accessToken);

/** Sends one envelope to device 1 of `recipientId` (NOT_FOUND once the account is gone). */
const sendToDevice1 = (url: string, from: TestAccount, recipientId: string) =>
  expectErrorCode(
    url,
    SendMessageDocument,
    {
      input: {
        recipientId,
        clientMessageId: `after-${recipientId}`,
        deliveryReceipts: false,
        envelopes: [
          { deviceId: 1, registrationId: 1, type: 'SIGNAL_MESSAGE' as const, content: 'AA==' },
        ],
      },
    },
    from.accessToken,
  );

/**
 * A user with a trace in every subgraph deletes their account: a wrong password is refused, then
 * their sockets close with 4401, their tokens and password stop working, their username is
 * quarantined, others see no such user and cannot send to them, and (once every subgraph has
 * handled `guardyn.account.deleted`) no store or file under the data folder holds their id.
 */
export async function accountDeletionScenario(target: E2eTarget, probe: TraceProbe): Promise<void> {
  const { url } = target;
  const { user, tablet, friend, third, group } = await leaveFootprint(url);
  const socket = connectSubscriptions(url, user.accessToken);
  collect(socket.client, MessageReceivedDocument);
  await socket.connected;
  expect((await probe(user.userId)).length).toBeGreaterThan(0);

  const wrong = await expectErrorCode(
    url,
    DeleteAccountDocument,
    { password: 'not-mine-at-all' },
    user.accessToken,
  );
  expect(wrong.code).toBe('UNAUTHENTICATED');
  expect(await deleteAccount(url, user)).toEqual({ deleteAccount: true });

  expect(await socket.closed).toBe(CloseCode.Unauthorized);
  for (const token of [user.accessToken, tablet.accessToken]) {
    const refused = await expectErrorCode(url, '{ me { id } }', {}, token);
    expect(refused.code).toBe('UNAUTHENTICATED');
  }
  const login = await expectErrorCode(
    url,
    'mutation ($input: LoginInput!) { login(input: $input) { accessToken } }',
    { input: { username: user.username, password: user.password, deviceId: 1 } },
  );
  expect(login.code).toBe('UNAUTHENTICATED');
  const device = await createTestDevice();
  const taken = await expectErrorCode(url, RegisterDocument, {
    input: { username: user.username, password: user.password, device: toDeviceKeysInput(device) },
  });
  expect(taken.code).toBe('CONFLICT');

  expect(
    await expectData(url, RecipientDevicesDocument, { id: user.userId }, friend.accessToken),
  ).toEqual({ user: null });
  expect((await sendToDevice1(url, friend, user.userId)).code).toBe('NOT_FOUND');

  // The group lives on without them (as if removed); the direct conversation is gone.
  const membersOf = async (member: TestAccount) => {
    const { conversations } = await expectData(url, ConversationsDocument, {}, member.accessToken);
    return conversations.map((c) => [c.id, c.members.map((m) => m.id).sort()]);
  };
  const remaining = [friend.userId, third.userId].sort();
  const friendSees = await until(
    () => membersOf(friend),
    (list) => list.length === 1,
    20_000,
  );
  expect(friendSees).toEqual([[group.conversationId, remaining]]);
  expect(await membersOf(third)).toEqual([[group.conversationId, remaining]]);

  // Every subgraph acts on the durable event in its own time.
  const traces = await until(
    () => probe(user.userId),
    (found) => found.length === 0,
    30_000,
  );
  expect(traces).toEqual([]);
}

/**
 * What a deleted user sent stays in its recipients' mailboxes: it is theirs now, as it was sent
 * (the sender's id included), while the sender's profile is gone.
 */
export async function sentMailStaysScenario(target: E2eTarget): Promise<void> {
  const { url } = target;
  const [leaving, recipient] = await Promise.all([registerAccount(url), registerAccount(url)]);
  await sendOpaqueMessage(url, leaving, recipient, { content: 'sent before leaving' });
  await deleteAccount(url, leaving);
  const inbox = await readInbox(url, recipient.accessToken);
  expect(inbox.map((envelope) => [envelope.senderDeviceId, envelope.content])).toEqual([
    [1, Buffer.from('sent before leaving').toString('base64')],
  ]);
  expect(inbox[0]?.sender).toEqual({ id: leaving.userId });
  const profile = { id: leaving.userId };
  expect(await expectData(url, RecipientDevicesDocument, profile, recipient.accessToken)).toEqual({
    user: null,
  });
}
