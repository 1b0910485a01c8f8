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
 * Makes two users conversation peers (so each may see the other's presence and typing) by
 * sending one opaque message to every device of `to`. The bytes are not a real Signal message:
 * the server never reads them.
 */
export async function startDirectConversation(
  url: string,
  from: { accessToken: string },
  to: { userId: string; accessToken: string },
): Promise<string> {
  const { user } = await expectData<{
    user: { devices: { deviceId: number; registrationId: number }[] };
  }>(
    url,
    'query ($id: ID!) { user(id: $id) { devices { deviceId registrationId } } }',
    { id: to.userId },
    from.accessToken,
  );
  await expectData(
    url,
    sendMessageMutation,
    {
      input: {
        recipientId: to.userId,
        clientMessageId: `hello-${to.userId}`,
        deliveryReceipts: false,
        envelopes: user.devices.map((device) => ({
          ...device,
          type: 'SIGNAL_MESSAGE',
          content: Buffer.from('opaque').toString('base64'),
        })),
      },
    },
    from.accessToken,
  );
  const { conversations } = await expectData<{
    conversations: { id: string; members: { id: string }[] }[];
  }>(url, '{ conversations { id members { id } } }', {}, from.accessToken);
  const conversation = conversations.find((c) =>
    c.members.some((member) => member.id === to.userId),
  );
  if (!conversation) throw new Error('no direct conversation');
  return conversation.id;
}
