import { requirePrincipal, type Caller } from '../../shared/auth/index.js';
import {
  Base64Scalar,
  DateTimeScalar,
  federationPublicFields,
  type PublicField,
} from '../../shared/graphql/index.js';
import type { RequestContext } from '../../shared/http/index.js';
import { deviceGlobalId } from '../../shared/ids/index.js';
import { createAuthLoaders } from './loaders.js';
import type {
  AuthResult,
  AuthService,
  DeviceKeysInput,
  LoginInput,
  UploadPreKeysInput,
} from './service.js';
import type { SealedSenderService } from './sealed-sender.js';
import type { ClaimedBundle, DeviceRecord, SessionRecord, UserRecord } from './store.js';

/** A device as the schema shows it; `id` is global, `<userId>:<deviceId>`. */
interface DeviceView {
  readonly id: string;
  readonly userId: string;
  readonly deviceId: number;
  readonly registrationId: number;
  readonly name: string | null;
  readonly createdAt: Date;
  readonly lastSeenAt: Date | null;
}

function viewerOf(caller: Caller): string | null {
  return caller.kind === 'authenticated' ? caller.principal.userId : null;
}

/** Names and last-seen times are for the account's owner; others see what fan-out needs. */
function toDeviceView(device: DeviceRecord, viewerId: string | null): DeviceView {
  const own = viewerId === device.userId;
  return {
    id: deviceGlobalId(device.userId, device.deviceId),
    userId: device.userId,
    deviceId: device.deviceId,
    registrationId: device.registrationId,
    name: own ? device.name : null,
    createdAt: device.createdAt,
    lastSeenAt: own ? device.lastSeenAt : null,
  };
}

/** The payload is for whoever just signed in, although the request carried no token. */
function toAuthPayload(result: AuthResult) {
  return { ...result, device: toDeviceView(result.device, result.user.id) };
}

function toSessionView(session: SessionRecord, currentSessionId: string) {
  return { ...session, current: session.id === currentSessionId };
}

function toBundleView(bundle: ClaimedBundle) {
  return {
    userId: bundle.device.userId,
    deviceId: bundle.device.deviceId,
    registrationId: bundle.device.registrationId,
    identityKey: bundle.device.identityKey,
    signedPreKey: bundle.signedPreKey,
    preKey: bundle.preKey,
    kyberPreKey: bundle.kyberPreKey,
  };
}

/**
 * What answers without a verified token: signing up and signing in (they hand out the tokens),
 * and the SDL. Everything else in this subgraph refuses such callers with UNAUTHENTICATED.
 */
export const publicFields: readonly PublicField[] = [
  ...federationPublicFields,
  'Mutation.register',
  'Mutation.login',
  'Mutation.refreshSession',
  // What clients pin, and messaging's check before a sealed send (which carries no token).
  'Query.sealedSenderTrustRoot',
  'Query.sealedRecipients',
];

/** Thin: parse arguments, call the service, shape the result. */
export function createResolvers(service: AuthService, sealedSender: SealedSenderService) {
  const loaders = createAuthLoaders(service);
  return {
    DateTime: DateTimeScalar,
    Base64: Base64Scalar,

    Query: {
      me: (_: unknown, __: unknown, { caller }: RequestContext) =>
        service.findUser(requirePrincipal(caller).userId),
      user: (_: unknown, args: { id: string }, context: RequestContext) => {
        requirePrincipal(context.caller);
        return loaders(context).users.load(args.id);
      },
      userByUsername: (_: unknown, args: { username: string }, { caller }: RequestContext) => {
        requirePrincipal(caller);
        return service.findUserByUsername(args.username);
      },
      sessions: async (_: unknown, __: unknown, { caller }: RequestContext) => {
        const principal = requirePrincipal(caller);
        const sessions = await service.sessions(principal);
        return sessions.map((session) => toSessionView(session, principal.sessionId));
      },
      preKeyCount: (_: unknown, __: unknown, { caller }: RequestContext) =>
        service.keys.preKeyCount(requirePrincipal(caller)),
      sealedSenderTrustRoot: () => sealedSender.trustRoot(),
      senderCertificate: (_: unknown, __: unknown, { caller }: RequestContext) =>
        sealedSender.senderCertificate(requirePrincipal(caller)),
      sealedRecipients: async (
        _: unknown,
        args: { userIds: string[]; accessKey?: Uint8Array | null },
        { caller }: RequestContext,
      ) => {
        const recipients = await sealedSender.recipientDevices(
          args.userIds,
          args.accessKey ?? null,
        );
        return recipients?.map((recipient) => ({
          userId: recipient.userId,
          devices: recipient.devices.map((device) => toDeviceView(device, viewerOf(caller))),
        }));
      },
    },

    Mutation: {
      register: async (
        _: unknown,
        args: { input: { username: string; password: string; device: DeviceKeysInput } },
        { clientAddress }: RequestContext,
      ) => toAuthPayload(await service.register(args.input, clientAddress)),
      login: async (_: unknown, args: { input: LoginInput }, { clientAddress }: RequestContext) =>
        toAuthPayload(await service.login(args.input, clientAddress)),
      refreshSession: async (_: unknown, args: { refreshToken: string }) =>
        toAuthPayload(await service.refreshSession(args.refreshToken)),
      logout: (_: unknown, __: unknown, { caller }: RequestContext) =>
        service.logout(requirePrincipal(caller)),
      revokeSession: (_: unknown, args: { id: string }, { caller }: RequestContext) =>
        service.revokeSession(requirePrincipal(caller), args.id),
      removeDevice: (_: unknown, args: { deviceId: number }, { caller }: RequestContext) =>
        service.devices.remove(requirePrincipal(caller), args.deviceId),
      deleteAccount: (
        _: unknown,
        args: { password: string },
        { caller, clientAddress }: RequestContext,
      ) => service.deleteAccount(requirePrincipal(caller), args.password, clientAddress),
      uploadPreKeys: (
        _: unknown,
        args: { input: UploadPreKeysInput },
        { caller }: RequestContext,
      ) => service.keys.uploadPreKeys(requirePrincipal(caller), args.input),
      claimPreKeyBundles: async (
        _: unknown,
        args: { userId: string; deviceIds?: number[] | null },
        { caller }: RequestContext,
      ) =>
        (
          await service.keys.claimPreKeyBundles(
            requirePrincipal(caller),
            args.userId,
            args.deviceIds ?? null,
          )
        ).map(toBundleView),
      uploadKeyPackages: (
        _: unknown,
        args: { keyPackages: Uint8Array[] },
        { caller }: RequestContext,
      ) => service.keys.uploadKeyPackages(requirePrincipal(caller), args.keyPackages),
      claimKeyPackages: (_: unknown, args: { userIds: string[] }, { caller }: RequestContext) =>
        service.keys.claimKeyPackages(requirePrincipal(caller), args.userIds),
      setUnidentifiedAccess: (
        _: unknown,
        args: { accessKey?: Uint8Array | null; unrestricted?: boolean | null },
        { caller }: RequestContext,
      ) =>
        sealedSender.setUnidentifiedAccess(
          requirePrincipal(caller),
          args.accessKey ?? null,
          args.unrestricted ?? false,
        ),
    },

    User: {
      __resolveReference: (reference: { id: string }, context: RequestContext) =>
        loaders(context).users.load(reference.id),
      devices: async (user: UserRecord, _: unknown, context: RequestContext) => {
        requirePrincipal(context.caller);
        const devices = await loaders(context).devicesOfUser.load(user.id);
        return devices.map((device) => toDeviceView(device, viewerOf(context.caller)));
      },
    },

    Device: {
      __resolveReference: async (reference: { id: string }, context: RequestContext) => {
        const device = await loaders(context).devices.load(reference.id);
        return device ? toDeviceView(device, viewerOf(context.caller)) : null;
      },
    },
  };
}
