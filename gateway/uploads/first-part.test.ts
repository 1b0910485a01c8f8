import { describe, expect, it } from '@jest/globals';
import { PassThrough, Readable } from 'node:stream';
import { BadUserInputError, PayloadTooLargeError } from '../../shared/errors/index.js';
import { encodeFirstPart, multipartBoundary, readFirstPart } from './first-part.js';

const boundary = 'xyz123';
const operations = '{"query":"mutation { uploadMedia { id } }"}';
const filePart =
  `\r\n--${boundary}\r\nContent-Disposition: form-data; name="0"; filename="a.bin"\r\n` +
  `Content-Type: application/octet-stream\r\n\r\nBINARY\r\n--${boundary}--\r\n`;
const body = `--${boundary}\r\nContent-Disposition: form-data; name="operations"\r\n\r\n${operations}${filePart}`;

/** A stream that yields `text` in chunks of `size` bytes (the whole of it at once by default). */
function chunked(text: string, size = text.length): Readable {
  const bytes = Buffer.from(text);
  const chunks: Buffer[] = [];
  for (let at = 0; at < bytes.length; at += size) chunks.push(bytes.subarray(at, at + size));
  return Readable.from(chunks);
}

/** What a stream still yields once resumed. */
async function remainder(stream: Readable): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream as AsyncIterable<Buffer>) chunks.push(chunk);
  return Buffer.concat(chunks).toString('utf8');
}

describe('readFirstPart', () => {
  it('reads the name and body of the first part, and keeps what follows it byte for byte', async () => {
    const first = await readFirstPart(chunked(body), boundary, 1024);
    expect(first.name).toBe('operations');
    expect(first.body).toBe(operations);
    // From the closing delimiter on: the files, to be forwarded unchanged.
    expect(first.rest.toString('utf8')).toBe(filePart);
  });

  it('finds the part however the body is cut into chunks, the delimiter split too', async () => {
    for (const size of [1, 2, 7, 16, 61]) {
      const stream = chunked(body, size);
      const first = await readFirstPart(stream, boundary, 1024);
      expect(first.body).toBe(operations);
      // What it read past the part and what the stream still holds are the rest, together.
      expect(first.rest.toString('utf8') + (await remainder(stream))).toBe(filePart);
    }
  });

  it('stops reading at the first part and leaves the files in the stream, paused', async () => {
    const stream = new PassThrough();
    // Up to the closing delimiter and two bytes past it; the files come later.
    const cut = body.indexOf(filePart) + `\r\n--${boundary}\r\n`.length;
    stream.write(body.slice(0, cut));
    const first = await readFirstPart(stream, boundary, 1024);
    expect(stream.isPaused()).toBe(true);
    expect(stream.listenerCount('data')).toBe(0);
    stream.end(body.slice(cut));
    expect(first.rest.toString('utf8') + (await remainder(stream))).toBe(filePart);
  });

  it('reads an empty first part, and a header written in lower case', async () => {
    const empty = `--${boundary}\r\ncontent-disposition: form-data; name="operations"\r\n\r\n${filePart}`;
    await expect(readFirstPart(chunked(empty), boundary, 1024)).resolves.toMatchObject({
      name: 'operations',
      body: '',
    });
  });

  it('keeps a body that holds the boundary text but not the delimiter', async () => {
    const tricky = `{"note":"--${boundary} and \\r\\n--${boundary}"}`;
    const text = encodeFirstPart(boundary, 'operations', tricky).toString('utf8') + filePart;
    await expect(readFirstPart(chunked(text, 5), boundary, 1024)).resolves.toMatchObject({
      body: tricky,
    });
  });

  it('reads what encodeFirstPart writes, so a rewritten part can replace the client’s', async () => {
    const rewritten = Buffer.concat([
      encodeFirstPart(boundary, 'operations', '{"query":"{ x }"}'),
      Buffer.from(filePart),
    ]);
    const first = await readFirstPart(Readable.from([rewritten]), boundary, 1024);
    expect(first).toMatchObject({ name: 'operations', body: '{"query":"{ x }"}' });
  });

  it('refuses a first part larger than the limit, without reading the rest', async () => {
    const stream = chunked(body, 8);
    const read = readFirstPart(stream, boundary, 32);
    await expect(read).rejects.toBeInstanceOf(PayloadTooLargeError);
    await expect(read).rejects.toThrow('larger than 32 bytes');
    expect(stream.listenerCount('data')).toBe(0);
  });

  it('refuses a body that ends before its first part does', async () => {
    const truncated = `--${boundary}\r\nContent-Disposition: form-data; name="operations"\r\n\r\n{"query"`;
    await expect(readFirstPart(chunked(truncated), boundary, 1024)).rejects.toThrow(
      'it ends before its first part',
    );
    await expect(readFirstPart(chunked(''), boundary, 1024)).rejects.toBeInstanceOf(
      BadUserInputError,
    );
  });

  it('refuses a body that does not open with the boundary (a preamble, another boundary)', async () => {
    for (const text of [`preamble\r\n${body}`, body.replaceAll(boundary, 'other')]) {
      await expect(readFirstPart(chunked(text), boundary, 4096)).rejects.toBeInstanceOf(
        BadUserInputError,
      );
    }
  });

  it('refuses a part without a blank line after its headers, or without a field name', async () => {
    const noBlankLine = `--${boundary}\r\nContent-Disposition: form-data; name="operations"\r\n${operations}${filePart}`;
    const noName = `--${boundary}\r\nContent-Disposition: form-data\r\n\r\n${operations}${filePart}`;
    for (const text of [noBlankLine, noName]) {
      await expect(readFirstPart(chunked(text), boundary, 1024)).rejects.toThrow(
        'malformed multipart request',
      );
    }
  });

  it('passes on the stream’s own error', async () => {
    const stream = new PassThrough();
    const read = readFirstPart(stream, boundary, 1024);
    stream.destroy(new Error('client went away'));
    await expect(read).rejects.toThrow('client went away');
  });
});

describe('multipartBoundary', () => {
  it('reads the boundary, quoted or not, among other parameters', () => {
    expect(multipartBoundary('multipart/form-data; boundary=abc')).toBe('abc');
    expect(multipartBoundary('multipart/form-data; BOUNDARY="a b;c"')).toBe('a b;c');
    expect(multipartBoundary('multipart/form-data; charset=utf-8; boundary=abc; x=y')).toBe('abc');
  });

  it('refuses a content type without a boundary, or with one too long to be honest', () => {
    for (const contentType of [
      'multipart/form-data',
      'multipart/form-data; boundary=',
      `multipart/form-data; boundary=${'b'.repeat(201)}`,
    ]) {
      expect(() => multipartBoundary(contentType)).toThrow(BadUserInputError);
    }
    expect(multipartBoundary(`multipart/form-data; boundary=${'b'.repeat(200)}`)).toHaveLength(200);
  });
});
