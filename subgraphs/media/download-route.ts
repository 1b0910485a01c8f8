import { pipeline } from 'node:stream/promises';
import type { RequestHandler } from 'express';
import type { Logger } from '../../shared/logging/index.js';
import { parseRange } from './byte-range.js';
import type { DownloadUrlSigner } from './download-url.js';
import type { MediaService } from './service.js';

const refusalText = {
  malformed: 'invalid download URL',
  forged: 'invalid download URL',
  expired: 'download URL expired',
} as const;

/**
 * `GET /media/:id?expires=..&signature=..` (and HEAD): serves a blob to whoever holds a valid
 * signed URL. 403 for an expired, forged or malformed URL (checked before anything is looked
 * up), 404 when the media is gone, 206 for a satisfiable single byte range, 416 for an
 * unsatisfiable one. Responses are `Cache-Control: private`, cacheable until the URL expires.
 */
export function downloadRoute(
  service: MediaService,
  signer: DownloadUrlSigner,
  logger: Logger,
): RequestHandler<{ id: string }> {
  return async (request, response) => {
    const { id } = request.params;
    const now = new Date();
    const { expires, signature } = request.query;
    const refusal = signer.check(id, expires, signature, now);
    if (refusal) {
      response
        .status(403)
        .set('cache-control', 'no-store')
        .type('text/plain')
        .send(refusalText[refusal]);
      return;
    }
    const download = await service.download(id);
    if (!download) {
      response
        .status(404)
        .set('cache-control', 'no-store')
        .type('text/plain')
        .send('no such media');
      return;
    }
    const { record, size } = download;
    const secondsLeft = Math.max(0, Number(expires) - Math.floor(now.getTime() / 1000));
    response.set({
      'content-type': record.contentType,
      'accept-ranges': 'bytes',
      'cache-control': `private, max-age=${secondsLeft}`,
      etag: `"${record.sha256}"`,
      'x-content-type-options': 'nosniff',
      'content-disposition': record.encrypted ? 'attachment' : 'inline',
    });

    const wanted = parseRange(request.get('range'), size);
    if (wanted.kind === 'unsatisfiable') {
      response.status(416).set('content-range', `bytes */${size}`).end();
      return;
    }
    const range = wanted.kind === 'partial' ? wanted.range : undefined;
    if (range) {
      response.status(206).set('content-range', `bytes ${range.start}-${range.end}/${size}`);
    }
    const length = range ? range.end - range.start + 1 : size;
    response.set('content-length', String(length));
    if (request.method === 'HEAD' || length === 0) {
      response.end();
      return;
    }
    try {
      await pipeline(service.readBlob(id, range), response);
    } catch (error) {
      // Usually the client went away mid-download; the response is already under way.
      logger.debug({ err: error, mediaId: id }, 'download ended early');
    }
  };
}
