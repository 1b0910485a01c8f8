import path from 'node:path';
import { buildSubgraphSchema } from '@apollo/subgraph';
import { accountDeletedEvent, consumeEvent } from '../../shared/bus/index.js';
import { configuredStore, type GuardynConfig } from '../../shared/config/index.js';
import { loadTypeDefs } from '../../shared/graphql/index.js';
import {
  startSubgraphServer,
  subgraphServerBasics,
  type RunningServer,
  type SubgraphDependencies,
} from '../../shared/http/index.js';
import type { Logger } from '../../shared/logging/index.js';
import { timedStore } from '../../shared/telemetry/index.js';
import type { BlobStore } from './blob-store.js';
import { FileBlobStore } from './blob-store.fs.js';
import { downloadCors } from './download-cors.js';
import { downloadRoute } from './download-route.js';
import { DownloadUrlSigner, loadUrlSigningKey } from './download-url.js';
import { multipartRequests } from './multipart.js';
import { createResolvers, publicFields } from './resolvers.js';
import { MediaService, type MediaServiceOptions } from './service.js';
import type { MediaStore } from './store.js';
import { ScyllaMediaStore } from './store.scylla.js';
import { SqliteMediaStore } from './store.sqlite.js';

export const name = 'media';
export const typeDefs = loadTypeDefs(new URL('./schema.graphql', import.meta.url));
export { createResolvers, publicFields };

export interface MediaDependencies extends SubgraphDependencies {
  readonly store?: MediaStore;
  readonly blobs?: BlobStore;
  readonly serviceOptions?: Partial<MediaServiceOptions>;
}

/** Either adapter holds only the metadata: the bytes stay in the BlobStore. */
function createStore(config: GuardynConfig, logger: Logger): MediaStore {
  return configuredStore<MediaStore>(config, 'media.sqlite', {
    scylla: (database) => ScyllaMediaStore.open({ database, logger }),
    sqlite: (file) => new SqliteMediaStore(file),
  });
}

/**
 * The media subgraph: GraphQL (with multipart uploads) on /graphql, signed downloads on
 * GET /media/<id>. Blobs live under `<dataDir>/media/`, the URL signing key in
 * `<dataDir>/keys/media-url-key`.
 */
export async function createSubgraph(
  config: GuardynConfig,
  deps: MediaDependencies,
): Promise<RunningServer> {
  const { media: settings } = config;
  const blobs = deps.blobs ?? (await FileBlobStore.open(path.join(config.dataDir, 'media')));
  const signer = new DownloadUrlSigner(
    await loadUrlSigningKey(path.join(config.dataDir, 'keys', 'media-url-key')),
    settings.downloadUrlTtlSeconds,
  );
  // Timed at the port: every call, on either adapter, shows as guardyn_store_call_seconds.
  const store = timedStore(name, deps.store ?? createStore(config, deps.logger));
  const service = new MediaService(store, blobs, {
    maxAttachmentBytes: settings.maxAttachmentBytes,
    maxAvatarBytes: settings.maxAvatarBytes,
    ...deps.serviceOptions,
  });
  const { maxAttachmentBytes, maxAvatarBytes, maxThumbnailBytes } = service.options;
  const maxFileBytes = Math.max(maxAttachmentBytes, maxAvatarBytes);

  // Known once the server listens, before any request can reach a resolver.
  let origin = settings.publicUrl;
  const downloadUrl = (id: string) => signer.sign(origin ?? '', id, new Date());

  const deletions = await consumeEvent(
    deps.bus,
    accountDeletedEvent,
    'media-account-deleted',
    ({ userId }) => service.accountDeleted(userId),
  );
  let server: RunningServer;
  try {
    server = await startSubgraphServer({
      name,
      schema: buildSubgraphSchema([{ typeDefs, resolvers: createResolvers(service, downloadUrl) }]),
      publicFields,
      ...subgraphServerBasics(config, deps),
      verifier: deps.verifier,
      store,
      routes(app) {
        // Browsers fetch downloads straight from here: the gateway's allow-list applies.
        app.use('/media', downloadCors(config.gateway.corsOrigins));
        app.get('/media/:id', downloadRoute(service, signer, deps.logger));
        app.use(
          '/graphql',
          multipartRequests({
            verifier: deps.verifier,
            maxFileBytes,
            // Both files plus the multipart framing and the operations JSON.
            maxRequestBytes: maxFileBytes + maxThumbnailBytes + 1024 * 1024,
          }),
        );
      },
    });
  } catch (error) {
    deletions.unsubscribe();
    throw error;
  }
  origin ??= server.origin;
  return {
    ...server,
    async stop() {
      deletions.unsubscribe();
      await server.stop();
    },
  };
}
