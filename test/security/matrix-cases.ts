import { randomBytes } from 'node:crypto';
import { expect } from '@jest/globals';
import { expectData, type GraphQLResponse } from '../support/graphql-client.js';
import { collect, withSubscriptions } from '../support/subscriptions-client.js';
import { uploadEncryptedMutation, type World } from './world.js';

/**
 * The cases of the authorization matrix (authorization-matrix.test.ts): for each root field and
 * entity, what a caller without a token and Mallory (signed in, aiming at the victim's data) get.
 */

export type Response = GraphQLResponse<Record<string, unknown>>;

interface Expectation {
  /** What the case promises, in words (shown in the test name). */
  readonly promise: string;
  readonly check: (response: Response, world: World) => void | Promise<void>;
}

export interface RootCase {
  /** One operation selecting this root field, with fields of the owning subgraph only. */
  readonly document: string;
  readonly variables?: (world: World) => Record<string, unknown>;
  /** Why a caller without a token may use it; absent: UNAUTHENTICATED without a token. */
  readonly publicBecause?: string;
  /** Sent as a multipart upload. */
  readonly upload?: true;
  /** Ends the session it is sent with: Mallory signs in afresh for it. */
  readonly endsSession?: true;
  /** Mallory aiming it at the victim. */
  readonly foreign: Expectation;
}

export const firstCode = (response: Response) => response.errors?.[0]?.extensions?.code;

/** Refused with `code` (or one of `codes`), and the field carries no data. */
function refused(code: string | readonly string[], field: string): Expectation {
  const codes = typeof code === 'string' ? [code] : code;
  return {
    promise: `refused with ${codes.join(' or ')}`,
    check: (response) => {
      expect(codes).toContain(firstCode(response));
      expect(response.data?.[field] ?? null).toBeNull();
    },
  };
}

/** Succeeds, but what it shows or changes is Mallory's own (or nothing). */
function ownOnly(
  promise: string,
  check: (data: Record<string, unknown>, world: World) => void | Promise<void>,
): Expectation {
  return {
    promise,
    check: async (response, world) => {
      expect(response.errors ?? []).toEqual([]);
      await check(response.data ?? {}, world);
    },
  };
}

export const text = (value: unknown) => JSON.stringify(value);

export const rootCases: Record<string, RootCase> = {
  // --- auth ---
  'Query.me': {
    document: '{ me { id username } }',
    foreign: ownOnly('her own account', (data, w) =>
      expect((data['me'] as { id: string }).id).toBe(w.mallory.userId),
    ),
  },
  'Query.user': {
    document:
      'query ($id: ID!) { user(id: $id) { id username devices { deviceId name lastSeenAt } } }',
    variables: (w) => ({ id: w.victim.userId }),
    foreign: ownOnly('the public profile; device names and last-seen hidden', (data) => {
      const user = data['user'] as { devices: { name: unknown; lastSeenAt: unknown }[] };
      expect(user.devices.length).toBe(2);
      for (const device of user.devices)
        expect([device.name, device.lastSeenAt]).toEqual([null, null]);
    }),
  },
  'Query.userByUsername': {
    document: 'query ($u: String!) { userByUsername(username: $u) { id devices { name } } }',
    variables: (w) => ({ u: w.victim.username }),
    foreign: ownOnly('the public profile; device names hidden', (data, w) => {
      const user = data['userByUsername'] as { id: string; devices: { name: unknown }[] };
      expect(user.id).toBe(w.victim.userId);
      expect(user.devices.map((device) => device.name)).toEqual([null, null]);
    }),
  },
  'Query.sessions': {
    document: '{ sessions { id } }',
    foreign: ownOnly('her own sessions only', (data, w) =>
      expect(text(data['sessions'])).not.toContain(w.victimSessionId),
    ),
  },
  'Query.preKeyCount': {
    document: '{ preKeyCount { ecOneTime kyberOneTime } }',
    foreign: ownOnly('her own device’s counts (no argument names anyone else)', (data) =>
      expect(data['preKeyCount']).toBeDefined(),
    ),
  },
  'Mutation.register': {
    document: 'mutation ($input: RegisterInput!) { register(input: $input) { accessToken } }',
    variables: (w) => ({
      input: {
        username: w.victim.username.toUpperCase(),
        password: 'a-long-password',
        device: {
          registrationId: 1,
          identityKey: 'AA==',
          signedPreKey: { keyId: 1, publicKey: 'AA==', signature: 'AA==' },
          kyberLastResortPreKey: { keyId: 1, publicKey: 'AA==', signature: 'AA==' },
        },
      },
    }),
    publicBecause: 'creating an account is how one gets a token',
    foreign: {
      promise: 'cannot take the victim’s username in any case',
      check: (response) => {
        expect(['CONFLICT', 'BAD_USER_INPUT']).toContain(firstCode(response));
        expect(response.data?.['register'] ?? null).toBeNull();
      },
    },
  },
  'Mutation.login': {
    document: 'mutation ($input: LoginInput!) { login(input: $input) { accessToken } }',
    variables: (w) => ({
      input: { username: w.victim.username, password: 'not-the-password', deviceId: 1 },
    }),
    publicBecause: 'signing in is how one gets a token',
    // Wrong passwords for one username are limited: the later tries are RATE_LIMITED.
    foreign: refused(['UNAUTHENTICATED', 'RATE_LIMITED'], 'login'),
  },
  'Mutation.refreshSession': {
    document: 'mutation ($t: String!) { refreshSession(refreshToken: $t) { accessToken } }',
    variables: () => ({ t: randomBytes(32).toString('base64url') }),
    publicBecause: 'the refresh token is the credential',
    foreign: refused('UNAUTHENTICATED', 'refreshSession'),
  },
  'Mutation.logout': {
    document: 'mutation { logout }',
    endsSession: true,
    foreign: ownOnly('ends her own session only', async (_data, w) => {
      await expectData(w.url, '{ me { id } }', {}, w.victim.accessToken);
    }),
  },
  'Mutation.revokeSession': {
    document: 'mutation ($id: ID!) { revokeSession(id: $id) }',
    variables: (w) => ({ id: w.victimSessionId }),
    foreign: refused('NOT_FOUND', 'revokeSession'),
  },
  'Mutation.removeDevice': {
    document: 'mutation { removeDevice(deviceId: 2) }',
    foreign: refused('NOT_FOUND', 'removeDevice'),
  },
  'Mutation.uploadPreKeys': {
    document: 'mutation { uploadPreKeys(input: {}) { ecOneTime } }',
    foreign: ownOnly('her own device only (no argument names anyone else)', (data) =>
      expect(data['uploadPreKeys']).toBeDefined(),
    ),
  },
  'Mutation.claimPreKeyBundles': {
    document:
      'mutation ($id: ID!) { claimPreKeyBundles(userId: $id, deviceIds: [1]) { deviceId } }',
    variables: (w) => ({ id: w.victim.userId }),
    foreign: ownOnly(
      'allowed: anyone signed in may start a conversation (claims are rate limited)',
      (data) => expect(data['claimPreKeyBundles']).toHaveLength(1),
    ),
  },
  'Mutation.uploadKeyPackages': {
    document: 'mutation { uploadKeyPackages(keyPackages: []) }',
    foreign: ownOnly('her own device only (no argument names anyone else)', (data) =>
      expect(data['uploadKeyPackages']).toBe(0),
    ),
  },
  'Mutation.claimKeyPackages': {
    document: 'mutation ($ids: [ID!]!) { claimKeyPackages(userIds: $ids) { deviceId } }',
    variables: (w) => ({ ids: [w.victim.userId] }),
    foreign: ownOnly(
      'allowed: anyone signed in may add a user to a group (claims are rate limited)',
      (data) => expect(Array.isArray(data['claimKeyPackages'])).toBe(true),
    ),
  },
  // --- media ---
  'Query.media': {
    document: 'query ($id: ID!) { media(id: $id) { id size encrypted } }',
    variables: (w) => ({ id: w.victimMediaId }),
    foreign: ownOnly(
      'allowed: a media id is a capability that travels inside encrypted messages; the bytes are ciphertext',
      (data, w) => expect((data['media'] as { id: string }).id).toBe(w.victimMediaId),
    ),
  },
  'Mutation.uploadMedia': {
    document: uploadEncryptedMutation,
    upload: true,
    foreign: ownOnly('stores a media of her own', (data) =>
      expect(data['uploadMedia']).toBeDefined(),
    ),
  },
  'Mutation.setAvatar': {
    document: 'mutation ($file: Upload!) { setAvatar(file: $file) { id } }',
    upload: true,
    foreign: {
      promise: 'her own avatar only (the bytes here are not an image)',
      check: (response) => expect(firstCode(response)).toBe('BAD_USER_INPUT'),
    },
  },
  'Mutation.deleteMedia': {
    document: 'mutation ($id: ID!) { deleteMedia(id: $id) }',
    variables: (w) => ({ id: w.victimMediaId }),
    foreign: refused('NOT_FOUND', 'deleteMedia'),
  },
  // --- messaging ---
  'Query.conversations': {
    document: '{ conversations { id } }',
    foreign: ownOnly('her own conversations only', (data, w) => {
      expect(text(data['conversations'])).not.toContain(w.victimGroupId);
      expect(text(data['conversations'])).not.toContain(w.directConversationId);
    }),
  },
  'Query.conversation': {
    document: 'query ($id: ID!) { conversation(id: $id) { id } }',
    variables: (w) => ({ id: w.victimGroupId }),
    foreign: ownOnly('null: existence not revealed', (data) =>
      expect(data['conversation']).toBeNull(),
    ),
  },
  'Query.inbox': {
    document: '{ inbox { edges { id } } }',
    foreign: ownOnly('her own mailbox only', (data, w) =>
      expect(text(data['inbox'])).not.toContain(w.victimEnvelopeId),
    ),
  },
  'Query.envelope': {
    document: 'query ($id: ID!) { envelope(id: $id) { id } }',
    variables: (w) => ({ id: w.victimEnvelopeId }),
    foreign: ownOnly('null: another device’s envelope is not found', (data) =>
      expect(data['envelope']).toBeNull(),
    ),
  },
  'Mutation.sendMessage': {
    document: 'mutation ($input: SendMessageInput!) { sendMessage(input: $input) { messageId } }',
    variables: (w) => ({
      input: {
        recipientId: w.friend.userId,
        clientMessageId: `m-${randomBytes(4).toString('hex')}`,
        envelopes: [
          {
            userId: w.victim.userId,
            deviceId: 1,
            registrationId: w.victim.device.registrationId,
            type: 'SIGNAL_MESSAGE',
            content: 'AA==',
          },
        ],
      },
    }),
    foreign: {
      promise: 'cannot address the victim’s devices as her own',
      check: (response) => {
        expect(['MISMATCHED_DEVICES', 'BAD_USER_INPUT', 'FORBIDDEN']).toContain(
          firstCode(response),
        );
        expect(response.data?.['sendMessage'] ?? null).toBeNull();
      },
    },
  },
  'Mutation.ackEnvelopes': {
    document: 'mutation ($ids: [ID!]!) { ackEnvelopes(ids: $ids) }',
    variables: (w) => ({ ids: [w.victimEnvelopeId] }),
    foreign: ownOnly('acks nothing of the victim’s', (data) =>
      expect(data['ackEnvelopes']).toBe(0),
    ),
  },
  'Mutation.createGroup': {
    document: 'mutation ($input: CreateGroupInput!) { createGroup(input: $input) { id } }',
    variables: (w) => ({ input: { mlsGroupId: w.victimMlsGroupId } }),
    foreign: refused('CONFLICT', 'createGroup'),
  },
  'Mutation.commitGroup': {
    document: 'mutation ($input: CommitInput!) { commitGroup(input: $input) { id } }',
    variables: (w) => ({
      input: { conversationId: w.victimGroupId, epoch: 0, commit: 'AAEC' },
    }),
    foreign: refused('FORBIDDEN', 'commitGroup'),
  },
  'Mutation.sendGroupMessage': {
    document:
      'mutation ($input: GroupMessageInput!) { sendGroupMessage(input: $input) { messageId } }',
    variables: (w) => ({
      input: { conversationId: w.victimGroupId, epoch: 0, message: 'AAEC', clientMessageId: 'x1' },
    }),
    foreign: refused('FORBIDDEN', 'sendGroupMessage'),
  },
  'Mutation.leaveGroup': {
    document: 'mutation ($id: ID!) { leaveGroup(conversationId: $id) }',
    variables: (w) => ({ id: w.victimGroupId }),
    foreign: refused('FORBIDDEN', 'leaveGroup'),
  },
  // --- notification ---
  'Mutation.registerPushToken': {
    document: 'mutation ($t: String!) { registerPushToken(platform: APNS, token: $t) }',
    variables: () => ({ t: randomBytes(32).toString('hex') }),
    foreign: ownOnly('her own device only (no argument names anyone else)', (data) =>
      expect(data['registerPushToken']).toBe(true),
    ),
  },
  'Mutation.unregisterPushToken': {
    document: 'mutation { unregisterPushToken }',
    foreign: ownOnly('her own device only', (data) =>
      expect(typeof data['unregisterPushToken']).toBe('boolean'),
    ),
  },
  // --- presence ---
  'Mutation.setPresence': {
    document: 'mutation { setPresence(status: AWAY) { status } }',
    foreign: ownOnly('her own presence only', (data) =>
      expect(data['setPresence']).toEqual({ status: 'AWAY' }),
    ),
  },
  'Query.presenceVisibility': {
    document: '{ presenceVisibility }',
    foreign: ownOnly('her own setting (no argument names anyone else)', (data) =>
      expect(['CONTACTS', 'NOBODY']).toContain(data['presenceVisibility']),
    ),
  },
  'Mutation.setPresenceVisibility': {
    document: 'mutation { setPresenceVisibility(visibility: NOBODY) }',
    foreign: ownOnly('her own setting only', async (data, w) => {
      expect(data['setPresenceVisibility']).toBe('NOBODY');
      const { presenceVisibility } = await expectData<{ presenceVisibility: string }>(
        w.url,
        '{ presenceVisibility }',
        {},
        w.victim.accessToken,
      );
      expect(presenceVisibility).toBe('CONTACTS');
    }),
  },
  'Mutation.setTyping': {
    document: 'mutation ($id: ID!) { setTyping(conversationId: $id, typing: true) }',
    variables: (w) => ({ id: w.victimGroupId }),
    foreign: refused('FORBIDDEN', 'setTyping'),
  },
};

/** Subscriptions run over graphql-ws at the gateway; what Mallory may follow of the victim. */
export const subscriptionCases: Record<
  string,
  { document: string; promise: string; run: (world: World) => Promise<void> }
> = {
  'Subscription.messageReceived': {
    document: 'subscription { messageReceived { id } }',
    promise: 'her own mailbox only',
    run: async (w) => {
      await withSubscriptions(w.url, w.mallory.accessToken, async (socket) => {
        const stream = collect<{ messageReceived: { id: string } }>(
          socket.client,
          'subscription { messageReceived { id } }',
        );
        const { sendOpaqueMessage } = await import('../support/messaging-client.js');
        await sendOpaqueMessage(w.url, w.friend, w.victim, { content: 'not for mallory' });
        await sendOpaqueMessage(w.url, w.friend, w.mallory, { content: 'for mallory' });
        await stream.waitFor(1);
        const { inbox } = await expectData<{ inbox: { edges: { id: string }[] } }>(
          w.url,
          '{ inbox { edges { id } } }',
          {},
          w.mallory.accessToken,
        );
        const own = new Set(inbox.edges.map((edge) => edge.id));
        for (const value of stream.values) expect(own.has(value.messageReceived.id)).toBe(true);
        stream.stop();
      });
    },
  },
  'Subscription.presenceChanged': {
    document: 'subscription { presenceChanged(userIds: []) { id } }',
    promise: 'silently filtered: nothing of a user she shares no conversation with',
    run: async (w) => {
      await withSubscriptions(w.url, w.mallory.accessToken, async (socket) => {
        const stream = collect<{ presenceChanged: { id: string } }>(
          socket.client,
          'subscription ($ids: [ID!]!) { presenceChanged(userIds: $ids) { id } }',
          { ids: [w.victim.userId, w.mallory.userId] },
        );
        await socket.connected;
        // The victim's change first, then Mallory's own: hers arrives, the victim's never.
        await expectData(
          w.url,
          'mutation { setPresence(status: AWAY) { status } }',
          {},
          w.victim.accessToken,
        );
        await expectData(
          w.url,
          'mutation { setPresence(status: ONLINE) { status } }',
          {},
          w.mallory.accessToken,
        );
        await stream.waitFor(1);
        expect(stream.values.map((value) => value.presenceChanged.id)).toEqual([w.mallory.userId]);
        stream.stop();
      });
    },
  },
  'Subscription.typing': {
    document: 'subscription { typing(conversationId: "x") { typing } }',
    promise: 'refused with FORBIDDEN',
    run: async (w) => {
      await withSubscriptions(w.url, w.mallory.accessToken, async (socket) => {
        const stream = collect(
          socket.client,
          'subscription ($id: ID!) { typing(conversationId: $id) { typing } }',
          {
            id: w.victimGroupId,
          },
        );
        await stream.completed;
        expect(text(stream.errors)).toContain('FORBIDDEN');
        expect(stream.values).toEqual([]);
      });
    },
  },
};

/** Entities each subgraph resolves by key, as the gateway asks for them. */
export const entityCases: Record<
  string,
  { representation: (w: World) => Record<string, unknown>; fields: string; foreign: string }
> = {
  'auth:User': {
    representation: (w) => ({ __typename: 'User', id: w.victim.userId }),
    fields: '... on User { id username devices { name } }',
    foreign: 'the public profile, device names hidden',
  },
  'auth:Device': {
    representation: (w) => ({ __typename: 'Device', id: `${w.victim.userId}:2` }),
    fields: '... on Device { id registrationId name lastSeenAt }',
    foreign: 'what fan-out needs; name and last-seen hidden',
  },
  'messaging:User': {
    representation: (w) => ({ __typename: 'User', id: w.victim.userId }),
    fields: '... on User { id }',
    foreign: 'only the id the caller sent',
  },
  'messaging:Conversation': {
    representation: (w) => ({ __typename: 'Conversation', id: w.victimGroupId }),
    fields: '... on Conversation { id members { id } }',
    foreign: 'null for a non-member',
  },
  'messaging:Envelope': {
    representation: (w) => ({ __typename: 'Envelope', id: w.victimEnvelopeId }),
    fields: '... on Envelope { id content }',
    foreign: 'null: only the recipient device sees it',
  },
  'presence:User': {
    representation: (w) => ({ __typename: 'User', id: w.victim.userId }),
    fields: '... on User { id presence { status lastSeenAt } }',
    foreign: 'presence null for a stranger',
  },
  'media:Media': {
    representation: (w) => ({ __typename: 'Media', id: w.victimMediaId }),
    fields: '... on Media { id size }',
    foreign: 'allowed: the id is a capability',
  },
  'media:User': {
    representation: (w) => ({ __typename: 'User', id: w.victim.userId }),
    fields: '... on User { id avatar { id } }',
    foreign: 'allowed: avatars are for anyone signed in',
  },
  'notification:Device': {
    representation: (w) => ({ __typename: 'Device', id: `${w.victim.userId}:1` }),
    fields: '... on Device { id push { platform } }',
    foreign: 'push registration hidden from others',
  },
};

/** Checks what Mallory gets for one entity: nothing private. */
export function checkForeignEntity(
  key: string,
  entity: Record<string, unknown> | null,
  w: World,
): void {
  switch (key) {
    case 'auth:User':
      expect((entity?.['devices'] as { name: unknown }[]).map((device) => device.name)).toEqual([
        null,
        null,
      ]);
      break;
    case 'auth:Device':
      expect([entity?.['name'], entity?.['lastSeenAt']]).toEqual([null, null]);
      break;
    case 'messaging:User':
      expect(entity).toEqual({ id: w.victim.userId });
      break;
    case 'messaging:Conversation':
    case 'messaging:Envelope':
      expect(entity).toBeNull();
      break;
    case 'presence:User':
      expect(entity?.['presence'] ?? null).toBeNull();
      break;
    case 'media:Media':
      expect(entity?.['id']).toBe(w.victimMediaId);
      break;
    case 'media:User':
      expect(entity?.['id']).toBe(w.victim.userId);
      break;
    case 'notification:Device':
      expect(entity?.['push'] ?? null).toBeNull();
      break;
    default:
      throw new Error(`no check for ${key}`);
  }
}
