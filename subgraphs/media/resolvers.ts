import GraphQLUpload from 'graphql-upload/GraphQLUpload.mjs';
import type { FileUpload } from 'graphql-upload/processRequest.mjs';
import { requirePrincipal } from '../../shared/auth/index.js';
import {
  DateTimeScalar,
  federationPublicFields,
  type PublicField,
} from '../../shared/graphql/index.js';
import type { RequestContext } from '../../shared/http/index.js';
import { createMediaLoaders } from './loaders.js';
import type { MediaService } from './service.js';
import type { MediaRecord } from './store.js';
import { receiveUpload } from './upload-file.js';

interface UploadMediaArgs {
  readonly file: Promise<FileUpload>;
  readonly encrypted: boolean;
  readonly sha256: string;
  readonly thumbnail?: Promise<FileUpload> | null;
}

/** What answers without a verified token: only the SDL; everything else is UNAUTHENTICATED. */
export const publicFields: readonly PublicField[] = [...federationPublicFields];

/** Thin: check the caller, adapt the uploads, call the service. */
export function createResolvers(service: MediaService, downloadUrl: (id: string) => string) {
  const loaders = createMediaLoaders(service);
  return {
    DateTime: DateTimeScalar,
    Upload: GraphQLUpload,

    Query: {
      media: (_: unknown, args: { id: string }, context: RequestContext) => {
        requirePrincipal(context.caller);
        return loaders(context).media.load(args.id);
      },
    },

    Mutation: {
      uploadMedia: async (_: unknown, args: UploadMediaArgs, context: RequestContext) => {
        const principal = requirePrincipal(context.caller);
        return service.uploadMedia(principal, {
          file: await receiveUpload(args.file, 'file'),
          encrypted: args.encrypted,
          sha256: args.sha256,
          thumbnail: args.thumbnail ? await receiveUpload(args.thumbnail, 'thumbnail') : null,
        });
      },
      setAvatar: async (
        _: unknown,
        args: { file: Promise<FileUpload> },
        context: RequestContext,
      ) => {
        const principal = requirePrincipal(context.caller);
        return service.setAvatar(principal, await receiveUpload(args.file, 'file'));
      },
      deleteMedia: (_: unknown, args: { id: string }, context: RequestContext) =>
        service.deleteMedia(requirePrincipal(context.caller), args.id),
    },

    Media: {
      __resolveReference: (reference: { id: string }, context: RequestContext) => {
        requirePrincipal(context.caller);
        return loaders(context).media.load(reference.id);
      },
      owner: (media: MediaRecord) => ({ id: media.ownerId }),
      thumbnail: async (media: MediaRecord, _: unknown, context: RequestContext) =>
        service.preferredThumbnail(await loaders(context).thumbnails.load(media.id)),
      thumbnails: (media: MediaRecord, _: unknown, context: RequestContext) =>
        loaders(context).thumbnails.load(media.id),
      downloadUrl: (media: MediaRecord) => downloadUrl(media.id),
    },

    User: {
      __resolveReference: (reference: { id: string }) => ({ id: reference.id }),
      avatar: (user: { id: string }, _: unknown, context: RequestContext) => {
        requirePrincipal(context.caller);
        return loaders(context).avatars.load(user.id);
      },
    },
  };
}
