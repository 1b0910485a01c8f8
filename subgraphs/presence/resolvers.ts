import { requirePrincipal } from '../../shared/auth/index.js';
import {
  DateTimeScalar,
  federationPublicFields,
  type PublicField,
} from '../../shared/graphql/index.js';
import type { RequestContext } from '../../shared/http/index.js';
import type { PresenceService } from './service.js';
import type { PresenceStatus } from './store.js';

/** What answers without a verified token: only the SDL; everything else is UNAUTHENTICATED. */
export const publicFields: readonly PublicField[] = [...federationPublicFields];

export function createResolvers(service: PresenceService) {
  return {
    DateTime: DateTimeScalar,
    Mutation: {
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
        service.presenceFor(requirePrincipal(context.caller), context.authorization, user.id),
    },
  };
}
