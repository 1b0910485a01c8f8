import { Batcher, perRequest } from '../../shared/batching/index.js';
import type { RequestContext } from '../../shared/http/index.js';
import type { MediaService } from './service.js';
import type { MediaRecord } from './store.js';

/**
 * The reads of one request, each batched: the gateway resolves a list of users or media with one
 * `_entities` request, and every entity (and its thumbnails) joins the same store call.
 */
export interface MediaLoaders {
  readonly media: Batcher<string, MediaRecord | null>;
  readonly avatars: Batcher<string, MediaRecord | null>;
  /** By parent media id. */
  readonly thumbnails: Batcher<string, MediaRecord[]>;
}

export function createMediaLoaders(
  service: MediaService,
): (context: RequestContext) => MediaLoaders {
  return perRequest(() => ({
    media: new Batcher((ids) => service.findMediaMany(ids)),
    avatars: new Batcher((userIds) => service.avatarsOf(userIds)),
    thumbnails: new Batcher((mediaIds) => service.thumbnailsOfMany(mediaIds)),
  }));
}
