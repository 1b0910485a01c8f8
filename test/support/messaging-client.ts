import { randomBytes } from 'node:crypto';
import { expectData } from './graphql-client.js';

export interface InboxEnvelope {
  id: string;
  type: string;
  senderDeviceId: number | null;
  sender: { id: string } | null;
  conversation: { id: string } | null;
  content: string;
  serverTimestamp: string;
}

export const sendMessageMutation = `mutation ($input: SendMessageInput!) {
  sendMessage(input: $input) { messageId serverTimestamp recipients }
}`;

export const claimBundlesMutation = `mutation ($userId: ID!, $deviceIds: [Int!]) {
  claimPreKeyBundles(userId: $userId, deviceIds: $deviceIds) {
    userId deviceId registrationId identityKey
    signedPreKey { keyId publicKey signature } preKey { keyId publicKey } kyberPreKey { keyId publicKey signature }
  }
}`;

/** Every pending envelope of the token's device, following cursors. */
export async function readInbox(
  url: string,
  token: string,
  pageSize = 100,
): Promise<InboxEnvelope[]> {
  const envelopes: InboxEnvelope[] = [];
  let after: string | null = null;
  for (;;) {
    const {
      inbox,
    }: { inbox: { edges: InboxEnvelope[]; cursor: string | null; hasMore: boolean } } =
      await expectData(
        url,
        `query ($first: Int, $after: String) { inbox(first: $first, after: $after) {
        edges { id type senderDeviceId sender { id } conversation { id } content serverTimestamp } cursor hasMore
      } }`,
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
  const { ackEnvelopes: count } = await expectData<{ ackEnvelopes: number }>(
    url,
    'mutation ($ids: [ID!]!) { ackEnvelopes(ids: $ids) }',
    { ids },
    token,
  );
  return count;
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
  const { user } = await expectData<{
    user: { devices: { deviceId: number; registrationId: number }[] };
  }>(
    url,
    'query ($id: ID!) { user(id: $id) { devices { deviceId registrationId } } }',
    { id: to.userId },
    from.accessToken,
  );
  const content = Buffer.from(options.content ?? 'opaque').toString('base64');
  const { sendMessage } = await expectData<{
    sendMessage: { messageId: string; recipients: number };
  }>(
    url,
    sendMessageMutation,
    {
      input: {
        recipientId: to.userId,
        clientMessageId: options.clientMessageId ?? `m-${randomBytes(6).toString('hex')}`,
        deliveryReceipts: options.deliveryReceipts ?? false,
        envelopes: user.devices.map((device) => ({ ...device, type: 'SIGNAL_MESSAGE', content })),
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
  const { conversations } = await expectData<{
    conversations: { id: string; members: { id: string }[] }[];
  }>(url, '{ conversations { id members { id } } }', {}, from.accessToken);
  const conversation = conversations.find((c) =>
    c.members.some((member) => member.id === to.userId),
  );
  if (!conversation) throw new Error('no direct conversation');
  return conversation.id;
}
