import { createHash, randomBytes } from 'node:crypto';
import { Agent, request as httpRequest, type IncomingHttpHeaders } from 'node:http';
import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals';
import { createLogger } from '../../shared/logging/index.js';
import { registerAccount, type TestAccount } from '../support/accounts.js';
import { useTestGuardyn } from '../support/use-test-guardyn.js';

/**
 * A client that keeps its connections (one at a time, so every request after the first reuses
 * it when the server allows) must never find one that the gateway answered and then dropped.
 */
const maxAttachmentBytes = 64 * 1024;
/** What the gateway logs at warn and above during this file. */
const logged: { level: number; msg: string; err?: { code?: string } }[] = [];

let alice: TestAccount;
let agent: Agent;
const world = useTestGuardyn({
  env: { GUARDYN_MEDIA__MAX_ATTACHMENT_BYTES: String(maxAttachmentBytes) },
  logger: createLogger('warn', 'test', {
    destination: { write: (line: string) => void logged.push(JSON.parse(line)) },
  }),
});
beforeAll(async () => {
  alice = await registerAccount(world.url);
});
beforeAll(() => {
  agent = new Agent({ keepAlive: true, maxSockets: 1 });
});
afterAll(() => agent.destroy());
afterEach(() => {
  // Nothing reached Express's final handler (ERR_HTTP_HEADERS_SENT) or failed in the bridge.
  expect(logged).toEqual([]);
});

interface Answer {
  readonly status: number;
  readonly headers: IncomingHttpHeaders;
  readonly body: { data?: Record<string, { id: string } | null> | null; errors?: unknown[] };
  /** Whether the request went out on a connection an earlier request had used. */
  readonly reusedSocket: boolean;
}

function post(headers: Record<string, string>, body: Buffer | string): Promise<Answer> {
  const url = new URL(world.url);
  return new Promise((resolve, reject) => {
    const request = httpRequest(url, { method: 'POST', agent, headers }, (response) => {
      const chunks: Buffer[] = [];
      response.on('data', (chunk: Buffer) => chunks.push(chunk));
      response.on('end', () =>
        resolve({
          status: response.statusCode ?? 0,
          headers: response.headers,
          body: JSON.parse(Buffer.concat(chunks).toString('utf8')) as Answer['body'],
          reusedSocket: request.reusedSocket,
        }),
      );
    });
    request.on('error', reject);
    request.end(body);
  });
}

const typename = () =>
  post({ 'content-type': 'application/json' }, JSON.stringify({ query: '{ __typename }' }));

const uploadQuery = `mutation ($file: Upload!, $sha256: String!) {
  uploadMedia(file: $file, encrypted: true, sha256: $sha256) { id size }
}`;

/** An `uploadMedia` multipart body (boundary `b0undary`) with one file. */
function uploadBody(file: Buffer, sha256 = createHash('sha256').update(file).digest('hex')) {
  const operations = JSON.stringify({ query: uploadQuery, variables: { file: null, sha256 } });
  const part = (name: string, value: string) =>
    `--b0undary\r\nContent-Disposition: form-data; name="${name}"\r\n\r\n${value}\r\n`;
  return Buffer.concat([
    Buffer.from(part('operations', operations) + part('map', '{"0":["variables.file"]}')),
    Buffer.from('--b0undary\r\nContent-Disposition: form-data; name="0"; filename="f"\r\n\r\n'),
    file,
    Buffer.from('\r\n--b0undary--\r\n'),
  ]);
}

const multipart = { 'content-type': 'multipart/form-data; boundary=b0undary' };
const withToken = () => ({
  ...multipart,
  'apollo-require-preflight': 'true',
  authorization: `Bearer ${alice.accessToken}`,
});

describe('keep-alive after a refused upload', () => {
  it.each([
    ['no CSRF preflight header', () => multipart, 400, 'BAD_USER_INPUT'],
    [
      'no access token',
      () => ({ ...multipart, 'apollo-require-preflight': 'true' }),
      401,
      'UNAUTHENTICATED',
    ],
    [
      'a forged access token',
      () => ({ ...multipart, 'apollo-require-preflight': 'true', authorization: 'Bearer x.y.z' }),
      401,
      'UNAUTHENTICATED',
    ],
  ])(
    'refuses an upload with %s before its body, saying Connection: close; the next request works',
    async (_name, headers, status, code) => {
      const refused = await post(headers(), uploadBody(randomBytes(1024 * 1024)));
      expect(refused.status).toBe(status);
      expect(refused.headers.connection).toBe('close');
      expect(refused.body.errors).toEqual([expect.objectContaining({ extensions: { code } })]);

      const next = await typename();
      expect(next.status).toBe(200);
      expect(next.body.data).toEqual({ __typename: 'Query' });
    },
  );

  it('keeps the connection after an upload refused once its body was read in full', async () => {
    await typename();
    const refused = await post(withToken(), uploadBody(randomBytes(1024), 'a'.repeat(64)));
    expect(refused.body.errors).toEqual([
      expect.objectContaining({ extensions: expect.objectContaining({ code: 'BAD_USER_INPUT' }) }),
    ]);
    expect(refused.headers.connection).toBe('keep-alive');
    const next = await typename();
    expect(next.reusedSocket).toBe(true);
    expect(next.body.data).toEqual({ __typename: 'Query' });
  });

  it('uploads normally after the media subgraph refused a file half-way', async () => {
    const tooLarge = await post(withToken(), uploadBody(randomBytes(16 * maxAttachmentBytes)));
    expect(JSON.stringify(tooLarge.body.errors)).toContain('PAYLOAD_TOO_LARGE');

    // The bridge's connection to the media subgraph is not reused in whatever state that left.
    const file = randomBytes(1024);
    const stored = await post(withToken(), uploadBody(file));
    expect(stored.body.errors).toBeUndefined();
    expect(stored.body.data?.['uploadMedia']).toEqual({ id: expect.any(String), size: 1024 });
  });
});
