import { requirePrincipal } from '../../shared/auth/index.js';
import { BadUserInputError } from '../../shared/errors/index.js';
import { batcherPerRequest } from '../../shared/batching/index.js';
import {
  Base64Scalar,
  DateTimeScalar,
  federationPublicFields,
  type PublicField,
} from '../../shared/graphql/index.js';
import type { RequestContext } from '../../shared/http/index.js';
import type { CommitInput, GroupMessageInput, GroupService } from './group-service.js';
import type {
  SealedDeliveryService,
  SealedOrigin,
  SendSealedMessageInput,
  SendSealedMultiRecipientInput,
} from './sealed-delivery.js';
import type { MessagingService, Requester, SendMessageInput } from './service.js';
import type { ConversationRecord, EnvelopeRecord } from './store.js';

function requester({ caller, authorization }: RequestContext): Requester {
  return { principal: requirePrincipal(caller), authorization };
}

/**
 * A sealed send must not be tied to a token: one that comes with an Authorization header (valid
 * or not) is refused before anything is read, so a client bug cannot join sender and envelope.
 */
function sealedOrigin({ authorization, clientAddress }: RequestContext): SealedOrigin {
  if (authorization !== undefined) {
    throw new BadUserInputError('sealed sends are made without a token: send no Authorization', {
      field: 'authorization',
    });
  }
  return { clientAddress };
}

/** What answers without a verified token: the SDL and the sealed sends (which refuse a token). */
export const publicFields: readonly PublicField[] = [
  ...federationPublicFields,
  'Mutation.sendSealedMessage',
  'Mutation.sendSealedMultiRecipientMessage',
];

/** Thin: parse arguments, call the service, shape the result. */
export function createResolvers(
  service: MessagingService,
  groups: GroupService,
  sealed: SealedDeliveryService,
) {
  // The conversations and envelopes of one request (an `_entities` list, or every envelope's
  // conversation): one store call each, filtered for the caller as single lookups are.
  const conversations = batcherPerRequest<RequestContext, string, ConversationRecord | null>(
    (ids, context) => service.conversationsByIds(requirePrincipal(context.caller), ids),
  );
  const envelopes = batcherPerRequest<RequestContext, string, EnvelopeRecord | null>(
    (ids, context) => service.envelopes(requirePrincipal(context.caller), ids),
  );
  // All `User` references of one request are answered with one store call.
  const presenceReveal = batcherPerRequest<RequestContext, string, boolean>(
    async (userIds, context) => {
      const revealed = await service.presenceRevealedTo(requirePrincipal(context.caller), userIds);
      return userIds.map((userId) => revealed.has(userId));
    },
  );
  return {
    DateTime: DateTimeScalar,
    Base64: Base64Scalar,

    Query: {
      conversations: (_: unknown, __: unknown, context: RequestContext) =>
        service.conversations(requirePrincipal(context.caller)),
      conversation: (_: unknown, args: { id: string }, context: RequestContext) =>
        service.conversation(requirePrincipal(context.caller), args.id).catch(() => null),
      envelope: (_: unknown, args: { id: string }, context: RequestContext) =>
        service.envelope(requirePrincipal(context.caller), args.id),
      inbox: async (
        _: unknown,
        args: { first: number; after?: string | null },
        context: RequestContext,
      ) => {
        const page = await service.inbox(
          requirePrincipal(context.caller),
          args.first,
          args.after ?? null,
        );
        return { edges: page.envelopes, cursor: page.cursor, hasMore: page.hasMore };
      },
    },

    Mutation: {
      sendMessage: (_: unknown, args: { input: SendMessageInput }, context: RequestContext) =>
        service.sendMessage(requester(context), args.input),
      sendSealedMessage: (
        _: unknown,
        args: { input: SendSealedMessageInput },
        context: RequestContext,
      ) => sealed.sendSealedMessage(sealedOrigin(context), args.input),
      sendSealedMultiRecipientMessage: (
        _: unknown,
        args: { input: SendSealedMultiRecipientInput },
        context: RequestContext,
      ) => sealed.sendSealedMultiRecipientMessage(sealedOrigin(context), args.input),
      ackEnvelopes: (_: unknown, args: { ids: string[] }, context: RequestContext) =>
        service.ackEnvelopes(requester(context), args.ids),
      createGroup: (
        _: unknown,
        args: { input: { mlsGroupId: Uint8Array } },
        context: RequestContext,
      ) => groups.createGroup(requirePrincipal(context.caller), args.input.mlsGroupId),
      commitGroup: (_: unknown, args: { input: CommitInput }, context: RequestContext) =>
        groups.commitGroup(requester(context), args.input),
      sendGroupMessage: (_: unknown, args: { input: GroupMessageInput }, context: RequestContext) =>
        groups.sendGroupMessage(requester(context), args.input),
      leaveGroup: (_: unknown, args: { conversationId: string }, context: RequestContext) =>
        groups.leaveGroup(requirePrincipal(context.caller), args.conversationId),
    },

    User: {
      __resolveReference: (reference: { id: string }) => ({ id: reference.id }),
      revealsPresenceToViewer: (user: { id: string }, _: unknown, context: RequestContext) =>
        presenceReveal(context).load(user.id),
    },

    Conversation: {
      __resolveReference: (reference: { id: string }, context: RequestContext) =>
        conversations(context).load(reference.id),
      members: (conversation: ConversationRecord) => conversation.memberIds.map((id) => ({ id })),
    },

    Envelope: {
      __resolveReference: (reference: { id: string }, context: RequestContext) =>
        envelopes(context).load(reference.id),
      sender: (envelope: EnvelopeRecord) =>
        envelope.senderUserId ? { id: envelope.senderUserId } : null,
      conversation: (envelope: EnvelopeRecord, _: unknown, context: RequestContext) =>
        envelope.conversationId ? conversations(context).load(envelope.conversationId) : null,
    },
  };
}
