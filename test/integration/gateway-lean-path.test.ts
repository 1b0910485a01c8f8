import { request as httpRequest } from 'node:http';
import { beforeAll, describe, expect, it } from '@jest/globals';
import { inProcessEndpoint } from '../../shared/http/index.js';
import { registerAccount, type TestAccount } from '../support/accounts.js';
import { useTestGuardyn } from '../support/use-test-guardyn.js';

/**
 * The gateway and every subgraph answer plain JSON POSTs on the lean path
 * (shared/http/lean/lean-handler.ts) and everything else through Express and Apollo Server. A
 * chunked body (no Content-Length) always takes the Express path, so the same request sent both
 * ways must get the same status and body: results, request errors, subgraph errors with their
 * codes, and refusals alike; at the gateway and at the auth and messaging subgraphs' own ports,
 * and for the subgraphs, a call made in process (shared/http/lean/in-process.ts) too.
 */
let alice: TestAccount;
const world = useTestGuardyn();
beforeAll(async () => {
  alice = await registerAccount(world.url);
});

interface Answer {
  readonly status: number;
  readonly contentType: string | undefined;
  readonly cacheControl: string | undefined;
  readonly body: string;
}

/** Express's `send` adds an ETag; the lean path does not (a POST answer is never revalidated). */
async function answeredByExpress(url: string, chunked: boolean, accept?: string): Promise<boolean> {
  return new Promise((resolve, reject) => {
    const body = JSON.stringify({ query: '{ __typename }' });
    const request = httpRequest(
      url,
      {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          ...(accept ? { accept } : {}),
          ...(chunked ? {} : { 'content-length': String(Buffer.byteLength(body)) }),
        },
      },
      (response) => {
        response.resume();
        resolve(response.headers.etag !== undefined);
      },
    );
    request.on('error', reject);
    // Two writes without a length: Node sends them as chunks.
    if (chunked) request.write(body.slice(0, 1));
    request.end(chunked ? body.slice(1) : body);
  });
}

function post(
  url: string,
  body: string,
  headers: Record<string, string>,
  chunked: boolean,
): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const request = httpRequest(
      url,
      {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          ...headers,
          ...(chunked ? {} : { 'content-length': String(Buffer.byteLength(body)) }),
        },
      },
      (response) => {
        let text = '';
        response.on('data', (chunk: Buffer) => (text += chunk.toString('utf8')));
        response.on('end', () =>
          resolve({
            status: response.statusCode ?? 0,
            contentType: response.headers['content-type'],
            cacheControl: response.headers['cache-control'],
            body: text,
          }),
        );
      },
    );
    request.on('error', reject);
    // Two writes without a length: Node sends them as chunks.
    if (chunked) request.write(body.slice(0, 1));
    request.end(chunked ? body.slice(1) : body);
  });
}

type Caller = 'alice' | 'nobody' | 'a forged token';
const bodies: [string, unknown, Caller][] = [
  ['a two-subgraph query', { query: '{ me { id username presence { status } } }' }, 'alice'],
  ['an unauthenticated query', { query: '{ me { id username } }' }, 'nobody'],
  ['a forged token', { query: '{ me { id username } }' }, 'a forged token'],
  [
    'entities by representation',
    {
      query: 'query E($r: [_Any!]!) { _entities(representations: $r) { ... on User { id } } }',
      variables: { r: [{ __typename: 'User', id: '00000000-0000-0000-0000-000000000000' }] },
    },
    'alice',
  ],
  ['the subgraph SDL', { query: '{ _service { sdl } }' }, 'alice'],
  [
    'a mutation refused by the service',
    {
      query: 'mutation M($id: ID!) { leaveGroup(conversationId: $id) }',
      variables: { id: 'not-a-conversation' },
    },
    'alice',
  ],
  [
    'null variables and name',
    { query: '{ me { id } }', variables: null, operationName: null },
    'alice',
  ],
  ['a syntax error', { query: '{ me { id ' }, 'alice'],
  ['a validation error', { query: '{ nope }' }, 'alice'],
  ['a subscription', { query: 'subscription { typing(conversationId: "c") { userId } }' }, 'alice'],
  [
    'a variable that does not coerce',
    { query: 'query Q($id: ID!) { user(id: $id) { id } }', variables: { id: { x: 1 } } },
    'alice',
  ],
  [
    'a missing required variable',
    { query: 'query Q($id: ID!) { user(id: $id) { id } }', variables: {} },
    'alice',
  ],
  [
    'an unknown user',
    {
      query: 'query Q($id: ID!) { user(id: $id) { id } }',
      variables: { id: '00000000-0000-0000-0000-000000000000' },
    },
    'alice',
  ],
  [
    'two operations, no name',
    { query: 'query A { me { id } } query B { me { username } }' },
    'alice',
  ],
  [
    'two operations, named',
    { query: 'query A { me { id } } query B { me { username } }', operationName: 'B' },
    'alice',
  ],
  ['an unknown operation name', { query: 'query A { me { id } }', operationName: 'Z' }, 'alice'],
  ['__typename only', { query: '{ __typename }' }, 'alice'],
  ['introspection', { query: '{ __type(name: "User") { name } }' }, 'alice'],
  [
    'too many root fields',
    { query: `{ ${Array.from({ length: 30 }, (_, i) => `f${i}: me { id }`).join(' ')} }` },
    'alice',
  ],
  [
    'variables nested too deep',
    {
      query: 'query Q($id: ID!) { user(id: $id) { id } }',
      variables: { id: 'x', extra: JSON.parse(`${'['.repeat(40)}${']'.repeat(40)}`) as unknown },
    },
    'alice',
  ],
  ['a non-string query', { query: 42 }, 'alice'],
  ['no query', { variables: {} }, 'alice'],
  [
    'a persisted query',
    { extensions: { persistedQuery: { version: 1, sha256Hash: 'ab' } } },
    'alice',
  ],
  ['a batch', [{ query: '{ me { id } }' }], 'alice'],
  ['a JSON string', 'just text', 'alice'],
];

const endpoints: [string, () => string][] = [
  ['the gateway', () => world.url],
  ['the auth subgraph', () => world.guardyn.subgraphs.auth?.url ?? ''],
  ['the messaging subgraph', () => world.guardyn.subgraphs.messaging?.url ?? ''],
];

function authorizationOf(who: Caller): Record<string, string> {
  if (who === 'alice') return { authorization: `Bearer ${alice.accessToken}` };
  if (who === 'nobody') return {};
  const [header = '', payload = ''] = alice.accessToken.split('.');
  return { authorization: `Bearer ${header}.${payload}.${'A'.repeat(86)}` };
}

describe.each(endpoints)(
  'the lean path of %s answers as Express and Apollo Server do',
  (_, url) => {
    it('is taken by a body of known length, not by a chunked one', async () => {
      expect(await answeredByExpress(url(), false)).toBe(false);
      expect(await answeredByExpress(url(), true)).toBe(true);
      // Apollo Client's Accept too; any other negotiation is Apollo Server's.
      expect(
        await answeredByExpress(
          url(),
          false,
          'application/graphql-response+json, application/json;q=0.9',
        ),
      ).toBe(false);
      expect(await answeredByExpress(url(), false, 'text/html, application/json;q=0.5')).toBe(true);
    });

    // No Accept (JSON), and Apollo Client's, which Apollo Server answers as graphql-response+json.
    const accepts = [undefined, 'application/graphql-response+json,application/json;q=0.9'];
    const cases = bodies.flatMap(([name, body, who]) =>
      accepts.map((accept) => [name, accept ?? 'no Accept', body, who, accept] as const),
    );
    it.each(cases)('for %s (%s)', async (_name, _acceptName, body, who, accept) => {
      const headers: Record<string, string> = {
        ...authorizationOf(who),
        ...(accept ? { accept } : {}),
      };
      const text = JSON.stringify(body);
      const lean = await post(url(), text, headers, false);
      const express = await post(url(), text, headers, true);
      expect(lean).toEqual(express);
      // A call from this process (the test runs the supergraph in process) is answered without a
      // socket exactly as the lean path answers it, or handed to HTTP.
      const inProcess = inProcessEndpoint(url());
      if (url() === world.url) {
        expect(inProcess).toBeUndefined();
        return;
      }
      const local = await inProcess?.(text, { 'content-type': 'application/json', ...headers });
      // Null: only Apollo Server may answer it (refusals before execution), over HTTP.
      if (local !== null) {
        expect(local).toEqual({
          status: lean.status,
          contentType: lean.contentType,
          body: lean.body,
          ...(lean.cacheControl ? { cacheControl: lean.cacheControl } : {}),
        });
      }
    });

    it('answers ordinary subgraph calls made in process without a socket', async () => {
      if (url() === world.url) return;
      const answer = await inProcessEndpoint(url())?.(JSON.stringify({ query: '{ __typename }' }), {
        'content-type': 'application/json',
        authorization: `Bearer ${alice.accessToken}`,
      });
      expect(answer).toEqual({
        status: 200,
        contentType: 'application/json; charset=utf-8',
        cacheControl: 'no-store',
        body: '{"data":{"__typename":"Query"}}\n',
      });
    });

    it('for a body that is not JSON', async () => {
      const lean = await post(url(), '{"query":', {}, false);
      const express = await post(url(), '{"query":', {}, true);
      expect(lean).toEqual(express);
      expect(lean.status).toBe(400);
    });
  },
);
