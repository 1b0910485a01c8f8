import type { FileUpload } from 'graphql-upload/processRequest.mjs';
import {
  BadUserInputError,
  GuardynError,
  PayloadTooLargeError,
} from '../../shared/errors/index.js';
import type { IncomingFile } from './incoming-file.js';

/**
 * graphql-upload reports multipart problems as `http-errors` (413 past its size limit, 400 for
 * a file the map names but the request lacks, 499 for a client that left), and its parser's
 * (busboy: a body that ends inside a file, a malformed part) as plain errors: all the client's
 * doing, so typed refusals here. Only system errors (disk, with a `syscall`) stay internal.
 */
function uploadError(error: unknown, field: string): unknown {
  if (error instanceof GuardynError) return error;
  const { status, message, syscall } = (error ?? {}) as {
    status?: unknown;
    message?: unknown;
    syscall?: unknown;
  };
  if (syscall !== undefined) return error;
  const detail = typeof message === 'string' ? message : 'malformed upload';
  if (status === 413) return new PayloadTooLargeError(`${field}: ${detail}`);
  if (status === 499)
    return new BadUserInputError(`${field}: the upload was interrupted`, { field });
  return new BadUserInputError(`${field}: ${detail}`, { field });
}

/**
 * Waits for an `Upload` argument's file to start arriving and adapts it to an IncomingFile whose
 * stream errors are typed. BAD_USER_INPUT when the multipart request lacks the file.
 */
export async function receiveUpload(
  upload: Promise<FileUpload>,
  field: string,
): Promise<IncomingFile> {
  let file: FileUpload;
  try {
    file = await upload;
  } catch (error) {
    throw uploadError(error, field);
  }
  return {
    async *read() {
      try {
        for await (const chunk of file.createReadStream()) yield chunk as Uint8Array;
      } catch (error) {
        throw uploadError(error, field);
      }
    },
  };
}
