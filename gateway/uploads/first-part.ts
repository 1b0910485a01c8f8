import type { Readable } from 'node:stream';
import { BadUserInputError, PayloadTooLargeError } from '../../shared/errors/index.js';

/** The multipart boundary of a `multipart/form-data` content type. */
export function multipartBoundary(contentType: string): string {
  const match = /;\s*boundary=(?:"([^"]+)"|([^;\s]+))/i.exec(contentType);
  const boundary = match?.[1] ?? match?.[2];
  if (!boundary || boundary.length > 200)
    throw new BadUserInputError('multipart request without a boundary');
  return boundary;
}

export interface FirstPart {
  /** The part's field name (`operations` in a GraphQL multipart request). */
  readonly name: string;
  readonly body: string;
  /** Bytes read past the first part (from its closing delimiter on), to forward unchanged. */
  readonly rest: Buffer;
}

/**
 * Reads a multipart body only up to the end of its first part (the spec puts `operations`
 * first), leaving the files unread in the stream so they can be forwarded without buffering.
 */
export function readFirstPart(
  stream: Readable,
  boundary: string,
  maxBytes: number,
): Promise<FirstPart> {
  const opening = Buffer.from(`--${boundary}\r\n`);
  const delimiter = Buffer.from(`\r\n--${boundary}`);
  // Plain listeners, not `for await`: leaving an async iterator early destroys the stream, and
  // the rest of it must still be forwarded.
  return new Promise((resolve, reject) => {
    let buffered = Buffer.alloc(0);
    const finish = (outcome: () => void) => {
      stream.off('data', onData);
      stream.off('end', onEnd);
      stream.off('error', reject);
      stream.pause();
      outcome();
    };
    const onData = (chunk: Buffer) => {
      buffered = Buffer.concat([buffered, chunk]);
      const end = buffered.indexOf(delimiter, opening.length);
      if (end !== -1) {
        finish(() => {
          try {
            resolve(parsePart(buffered, opening, end));
          } catch (error) {
            reject(error);
          }
        });
      } else if (buffered.length > maxBytes) {
        finish(() =>
          reject(
            new PayloadTooLargeError(
              `the multipart "operations" field is larger than ${maxBytes} bytes`,
            ),
          ),
        );
      }
    };
    const onEnd = () =>
      finish(() =>
        reject(new BadUserInputError('malformed multipart request: it ends before its first part')),
      );
    stream.on('data', onData);
    stream.on('end', onEnd);
    stream.on('error', reject);
  });
}

function parsePart(buffered: Buffer, opening: Buffer, end: number): FirstPart {
  if (buffered.indexOf(opening) !== 0) throw new BadUserInputError('malformed multipart request');
  const part = buffered.subarray(opening.length, end).toString('utf8');
  const headerEnd = part.indexOf('\r\n\r\n');
  const headers = headerEnd === -1 ? '' : part.slice(0, headerEnd);
  const name = /content-disposition:[^\r\n]*;\s*name="([^"]*)"/i.exec(headers)?.[1];
  if (headerEnd === -1 || name === undefined)
    throw new BadUserInputError('malformed multipart request');
  return { name, body: part.slice(headerEnd + 4), rest: buffered.subarray(end) };
}

/** A first part with the given field name and body, as it would stand in a multipart body. */
export function encodeFirstPart(boundary: string, name: string, body: string): Buffer {
  return Buffer.from(
    `--${boundary}\r\nContent-Disposition: form-data; name="${name}"\r\n\r\n${body}`,
  );
}
