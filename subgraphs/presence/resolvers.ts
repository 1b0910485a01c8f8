import { requirePrincipal } from '../../shared/auth/index.js';
import { DateTimeScalar, notImplementedResolvers } from '../../shared/graphql/index.js';
import type { RequestContext } from '../../shared/http/index.js';
import type { PresenceService } from './service.js';
import type { PresenceStatus } from './store.js';

export function createResolvers(service: PresenceService) {
  return {
    DateTime: DateTimeScalar,
    Mutation: {
      setPresence: (_: unknown, args: { status: PresenceStatus }, { caller }: RequestContext) =>
        service.setPresence(requirePrincipal(caller), args.status),
      ...notImplementedResolvers(['setTyping']),
    },
    User: {
      __resolveReference: (reference: { id: string }) => ({ id: reference.id }),
      presence: (user: { id: string }, _: unknown, { caller }: RequestContext) => {
        requirePrincipal(caller);
        return service.presenceOf(user.id);
      },
    },
  };
}
