import { requirePrincipal } from '../../shared/auth/index.js';
import { batcherPerRequest } from '../../shared/batching/index.js';
import {
  DateTimeScalar,
  federationPublicFields,
  type PublicField,
} from '../../shared/graphql/index.js';
import type { RequestContext } from '../../shared/http/index.js';
import type { NotificationService } from './service.js';
import type { PushRegistration } from './store.js';

/** What answers without a verified token: only the SDL; everything else is UNAUTHENTICATED. */
export const publicFields: readonly PublicField[] = [...federationPublicFields];

/** Thin: check the caller, call the service. */
export function createResolvers(service: NotificationService) {
  // All `Device.push` fields of one request (one `_entities` list): one store read.
  const registrations = batcherPerRequest<RequestContext, string, PushRegistration | null>(
    (deviceIds, context) => service.registrationsOf(requirePrincipal(context.caller), deviceIds),
  );
  return {
    DateTime: DateTimeScalar,

    Mutation: {
      registerPushToken: (
        _: unknown,
        args: { platform: string; token: string },
        context: RequestContext,
      ) => service.registerPushToken(requirePrincipal(context.caller), args.platform, args.token),
      unregisterPushToken: (_: unknown, __: unknown, context: RequestContext) =>
        service.unregisterPushToken(requirePrincipal(context.caller)),
    },

    Device: {
      __resolveReference: (reference: { id: string }) => ({ id: reference.id }),
      push: (device: { id: string }, _: unknown, context: RequestContext) =>
        registrations(context).load(device.id),
    },
  };
}
