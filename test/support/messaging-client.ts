import { randomBytes } from 'node:crypto';
import { print } from 'graphql';
import {
  AckEnvelopesDocument,
  ClaimPreKeyBundlesDocument,
  ConversationsDocument,
  InboxPageDocument,
  RecipientDevicesDocument,
  SendMessageDocument,
  type InboxPageQuery,
} from '../../schema/generated/operations.js';
import { expectData } from './graphql-client.js';

export type InboxEnvelope = InboxPageQuery['inbox']['edges'][number];

/** schema/operations/SendMessage.graphql, as text for tests that post it themselves. */
export const sendMessageMutation = print(SendMessageDocument);

/** schema/operations/ClaimPreKeyBundles.graphql, as text. */
export const claimBundlesMutation = print(ClaimPreKeyBundlesDocument);

/** Every pending envelope of the token's device, following cursors. */
export async function readInbox(
  url: string,
  token: string,
  pageSize = 100,
): Promise<InboxEnvelope[]> {
  const envelopes: InboxEnvelope[] = [];
  let after: string | null = null;
  for (;;) {
    const { inbox }: InboxPageQuery = await expectData(
      url,
      InboxPageDocument,
      { first: pageSize, after },
      token,
    );
    envelopes.push(...inbox.edges);
    if (!inbox.hasMore) return envelopes;
    after = inbox.cursor;
  }
}

export async function ackEnvelopes(
  url: string,
  token: string,
  ids: readonly string[],
): Promise<number> {
  const { ackEnvelopes: count } = await expectData(
    url,
    AckEnvelopesDocument,
    { ids: [...ids] },
    token,
  );
  return count;
}

/** The devices of `userId` as `viewer` sees them: what a sender's fan-out must cover. */
export async function recipientDevices(
  url: string,
  viewer: { accessToken: string },
  userId: string,
): Promise<{ deviceId: number; registrationId: number }[]> {
  const { user } = await expectData(
    url,
    RecipientDevicesDocument,
    { id: userId },
    viewer.accessToken,
  );
  if (!user) throw new Error(`no user ${userId}`);
  return user.devices.map(({ deviceId, registrationId }) => ({ deviceId, registrationId }));
}

/**
 * Sends `content` (any bytes: the server never reads them) as one SIGNAL_MESSAGE envelope to
 * every current device of `to`, which is what a fan-out has to cover.
 */
export async function sendOpaqueMessage(
  url: string,
  from: { accessToken: string },
  to: { userId: string },
  options: {
    content?: Uint8Array | string;
    clientMessageId?: string;
    deliveryReceipts?: boolean;
  } = {},
): Promise<{ messageId: string; recipients: number }> {
  const devices = await recipientDevices(url, from, to.userId);
  const content = Buffer.from(options.content ?? 'opaque').toString('base64');
  const { sendMessage } = await expectData(
    url,
    SendMessageDocument,
    {
      input: {
        recipientId: to.userId,
        clientMessageId: options.clientMessageId ?? `m-${randomBytes(6).toString('hex')}`,
        deliveryReceipts: options.deliveryReceipts ?? false,
        envelopes: devices.map((device) => ({
          ...device,
          type: 'SIGNAL_MESSAGE' as const,
          content,
        })),
      },
    },
    from.accessToken,
  );
  return sendMessage;
}

/**
 * Opens the direct conversation of two users (both may type in it) by sending one opaque
 * message from `from` to every device of `to`; `to` may now see `from`'s presence (not the
 * other way round: only what a user sends reveals them).
 */
export async function startDirectConversation(
  url: string,
  from: { accessToken: string },
  to: { userId: string; accessToken: string },
): Promise<string> {
  await sendOpaqueMessage(url, from, to, { clientMessageId: `hello-${to.userId}` });
  const { conversations } = await expectData(url, ConversationsDocument, {}, from.accessToken);
  const conversation = conversations.find((c) =>
    c.members.some((member) => member.id === to.userId),
  );
  if (!conversation) throw new Error('no direct conversation');
  return conversation.id;
}
