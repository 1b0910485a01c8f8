import { createHash, randomBytes } from 'node:crypto';
import { beforeAll, describe, expect, it } from '@jest/globals';
import WebSocket from 'ws';
import { registerAccount, type TestAccount } from '../support/accounts.js';
import { useTestGuardyn } from '../support/use-test-guardyn.js';

const app = 'https://app.example';
const devServer = 'http://localhost:5173';
const stranger = 'https://evil.example';

let alice: TestAccount;
const world = useTestGuardyn({
  env: { GUARDYN_GATEWAY__CORS_ORIGINS: `${app}, ${devServer}` },
});
beforeAll(async () => {
  alice = await registerAccount(world.url);
});

const preflight = (url: string, origin: string, method: string, headers: string) =>
  fetch(url, {
    method: 'OPTIONS',
    headers: {
      origin,
      'access-control-request-method': method,
      'access-control-request-headers': headers,
    },
  });

const corsHeaders = (response: Response) =>
  [...response.headers.keys()].filter((name) => name.startsWith('access-control-'));

describe('CORS on /graphql', () => {
  it('answers a preflight from a listed origin with the methods, headers and max-age', async () => {
    const response = await preflight(world.url, app, 'POST', 'content-type,authorization');
    expect(response.status).toBe(204);
    expect(response.headers.get('access-control-allow-origin')).toBe(app);
    expect(response.headers.get('access-control-allow-methods')).toBe('GET, POST, OPTIONS');
    const allowed = response.headers.get('access-control-allow-headers')?.split(', ');
    expect(allowed).toEqual(
      expect.arrayContaining([
        'content-type',
        'authorization',
        'apollo-require-preflight',
        'x-apollo-operation-name',
      ]),
    );
    expect(response.headers.get('access-control-max-age')).toBe('600');
    expect(response.headers.get('vary')).toContain('Origin');
    // Bearer tokens, not cookies: never credentialed.
    expect(response.headers.get('access-control-allow-credentials')).toBeNull();
  });

  it('gives an origin not in the list no CORS header at all', async () => {
    const refused = await preflight(world.url, stranger, 'POST', 'content-type');
    expect(refused.status).toBe(204);
    expect(corsHeaders(refused)).toEqual([]);

    const response = await fetch(world.url, {
      method: 'POST',
      headers: { origin: stranger, 'content-type': 'application/json' },
      body: JSON.stringify({ query: '{ __typename }' }),
    });
    expect(corsHeaders(response)).toEqual([]);
    expect(response.headers.get('vary')).toContain('Origin');
  });

  it('echoes a listed origin on the actual request', async () => {
    const response = await fetch(world.url, {
      method: 'POST',
      headers: {
        origin: devServer,
        'content-type': 'application/json',
        authorization: `Bearer ${alice.accessToken}`,
      },
      body: JSON.stringify({ query: '{ me { id } }' }),
    });
    expect(response.headers.get('access-control-allow-origin')).toBe(devServer);
    expect(await response.json()).toEqual({ data: { me: { id: alice.userId } } });
  });
});

describe('CORS on media downloads', () => {
  let downloadUrl: string;
  beforeAll(async () => {
    const bytes = randomBytes(1000);
    const form = new FormData();
    form.append(
      'operations',
      JSON.stringify({
        query: `mutation ($file: Upload!, $sha: String!) {
          uploadMedia(file: $file, encrypted: true, sha256: $sha) { downloadUrl }
        }`,
        variables: { file: null, sha: createHash('sha256').update(bytes).digest('hex') },
      }),
    );
    form.append('map', '{"0":["variables.file"]}');
    form.append('0', new Blob([bytes]), 'f.bin');
    const response = await fetch(world.url, {
      method: 'POST',
      body: form,
      headers: { 'apollo-require-preflight': 'true', authorization: `Bearer ${alice.accessToken}` },
    });
    const body = (await response.json()) as { data: { uploadMedia: { downloadUrl: string } } };
    downloadUrl = body.data.uploadMedia.downloadUrl;
  });

  it('allows a ranged GET from a listed origin and exposes the range headers', async () => {
    const allowed = await preflight(downloadUrl, app, 'GET', 'range');
    expect(allowed.status).toBe(204);
    expect(allowed.headers.get('access-control-allow-origin')).toBe(app);
    expect(allowed.headers.get('access-control-allow-headers')).toBe('range');
    expect(allowed.headers.get('access-control-allow-methods')).toBe('GET, HEAD, OPTIONS');

    const ranged = await fetch(downloadUrl, { headers: { origin: app, range: 'bytes=0-99' } });
    expect(ranged.status).toBe(206);
    expect(ranged.headers.get('access-control-allow-origin')).toBe(app);
    expect(ranged.headers.get('access-control-expose-headers')?.split(', ')).toEqual([
      'content-range',
      'accept-ranges',
      'content-length',
      'etag',
    ]);
    expect((await ranged.arrayBuffer()).byteLength).toBe(100);
  });

  it('gives an origin not in the list no CORS header', async () => {
    const response = await fetch(downloadUrl, { headers: { origin: stranger } });
    expect(response.status).toBe(200);
    expect(corsHeaders(response)).toEqual([]);
    await response.arrayBuffer();
  });
});

describe('the subscription socket', () => {
  /** The HTTP status the upgrade got (101 when the socket opened). */
  function upgrade(origin: string | undefined): Promise<number> {
    const url = world.url.replace(/^http/, 'ws');
    const socket = new WebSocket(url, 'graphql-transport-ws', origin ? { origin } : {});
    return new Promise((resolve, reject) => {
      socket.on('open', () => {
        socket.close();
        resolve(101);
      });
      socket.on('unexpected-response', (_request, response) => {
        resolve(response.statusCode ?? 0);
        socket.terminate();
      });
      socket.on('error', reject);
    });
  }

  it('opens for a listed origin, the gateway’s own host and native clients (no Origin)', async () => {
    expect(await upgrade(app)).toBe(101);
    expect(await upgrade(new URL(world.url).origin)).toBe(101);
    expect(await upgrade(undefined)).toBe(101);
  });

  it('refuses any other origin with 403 before the upgrade', async () => {
    expect(await upgrade(stranger)).toBe(403);
  });
});
