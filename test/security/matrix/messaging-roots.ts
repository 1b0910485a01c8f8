import { randomBytes } from 'node:crypto';
import { expect } from '@jest/globals';
import { firstCode, ownOnly, refused, text, type RootCase } from './expectations.js';

/** The messaging subgraph's root fields in the authorization matrix (see ../matrix-cases.ts). */
export const messagingRootCases: Record<string, RootCase> = {
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
  'Mutation.sendSealedMessage': {
    document:
      'mutation ($input: SendSealedMessageInput!) { sendSealedMessage(input: $input) { messageId } }',
    variables: (w) => ({
      input: {
        recipientId: w.victim.userId,
        accessKey: randomBytes(16).toString('base64'),
        clientMessageId: `s-${randomBytes(4).toString('hex')}`,
        envelopes: [{ deviceId: 1, registrationId: 1, content: 'AA==' }],
      },
    }),
    publicBecause:
      'a sealed send carries no token; without the victim’s access key it is UNAUTHENTICATED',
    refusesTokens: true,
    foreign: refused('BAD_USER_INPUT', 'sendSealedMessage'),
  },
  'Mutation.sendSealedMultiRecipientMessage': {
    document:
      'mutation ($input: SendSealedMultiRecipientMessageInput!) { sendSealedMultiRecipientMessage(input: $input) { messageId } }',
    variables: () => ({
      input: {
        payload: randomBytes(64).toString('base64'),
        combinedAccessKey: randomBytes(16).toString('base64'),
        clientMessageId: `s-${randomBytes(4).toString('hex')}`,
      },
    }),
    publicBecause: 'a sealed send carries no token; access is the recipients’ keys',
    refusesTokens: true,
    foreign: refused('BAD_USER_INPUT', 'sendSealedMultiRecipientMessage'),
  },
};
