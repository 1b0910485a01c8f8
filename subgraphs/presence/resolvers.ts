import { requirePrincipal } from '../../shared/auth/index.js';
import { batcherPerRequest } from '../../shared/batching/index.js';
import {
  DateTimeScalar,
  federationPublicFields,
  type PublicField,
} from '../../shared/graphql/index.js';
import type { RequestContext } from '../../shared/http/index.js';
import type { PresenceService, PresenceView } from './service.js';
import type { PresenceStatus, PresenceVisibility } from './store.js';

/** What answers without a verified token: only the SDL; everything else is UNAUTHENTICATED. */
export const publicFields: readonly PublicField[] = [...federationPublicFields];

export function createResolvers(service: PresenceService) {
  // All `User.presence` fields of one request: one store read and one question to messaging.
  const presences = batcherPerRequest<RequestContext, string, PresenceView | null>(
    (userIds, context) =>
      service.presenceForMany(requirePrincipal(context.caller), context.authorization, userIds),
  );
  return {
    DateTime: DateTimeScalar,
    Query: {
      presenceVisibility: (_: unknown, __: unknown, { caller }: RequestContext) =>
        service.visibility(requirePrincipal(caller)),
    },
    Mutation: {
      setPresenceVisibility: (
        _: unknown,
        args: { visibility: PresenceVisibility },
        { caller }: RequestContext,
      ) => service.setVisibility(requirePrincipal(caller), args.visibility),
      setPresence: (_: unknown, args: { status: PresenceStatus }, { caller }: RequestContext) =>
        service.setPresence(requirePrincipal(caller), args.status),
      setTyping: (
        _: unknown,
        args: { conversationId: string; typing: boolean },
        context: RequestContext,
      ) =>
        service.setTyping(
          requirePrincipal(context.caller),
          context.authorization,
          args.conversationId,
          args.typing,
        ),
    },
    User: {
      __resolveReference: (reference: { id: string }) => ({ id: reference.id }),
      presence: (user: { id: string }, _: unknown, context: RequestContext) =>
        presences(context).load(user.id),
    },
  };
}
