import type { IncomingHttpHeaders } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { GraphQLError } from 'graphql';
import {
  DependencyUnavailableError,
  formatClientError,
  isTransientFailure,
} from '../shared/errors/index.js';
import { closeServer, listen, type ListeningServer } from '../shared/http/index.js';
import { AuthorizingDataSource } from './data-source.js';
import { InflightQueries } from './inflight-queries.js';

/** A stand-in subgraph: answers each path with a fixed status, type and body; records requests. */
const answers: Record<string, { status: number; type: string; body: string }> = {
  '/ok': { status: 200, type: 'application/json', body: '{"data":{"me":{"id":"u1"}}}' },
  '/refused': {
    status: 400,
    type: 'application/json',
    body: '{"errors":[{"message":"not valid Base64","extensions":{"code":"BAD_USER_INPUT"}}]}',
  },
  '/broken': { status: 502, type: 'text/plain', body: 'upstream down' },
  '/forbidden': { status: 403, type: 'text/plain', body: 'no' },
  '/text': { status: 200, type: 'text/plain', body: 'hello' },
};
const seen: { url: string; headers: IncomingHttpHeaders; body: string }[] = [];
let server: ListeningServer;

beforeAll(async () => {
  server = await listen(
    (request, response) => {
      let body = '';
      request.on('data', (chunk: Buffer) => (body += chunk.toString('utf8')));
      request.on('end', () => {
        seen.push({ url: request.url ?? '', headers: request.headers, body });
        const answer = answers[request.url ?? ''] ?? answers['/ok'];
        if (!answer) throw new Error('no default answer');
        response.writeHead(answer.status, { 'content-type': answer.type });
        response.end(answer.body);
      });
    },
    '127.0.0.1',
    0,
  );
});
afterAll(() => closeServer(server.server));

function call(path: string, context: Record<string, string> = {}) {
  const source = new AuthorizingDataSource({ url: server.origin + path, subgraphName: 'auth' });
  // The enum of request kinds is not exported by @apollo/gateway; its value is this string.
  const options = {
    kind: 'loading schema',
    request: { query: '{ me { id } }', variables: { a: 1 }, operationName: 'Me' },
    context,
  } as unknown as Parameters<AuthorizingDataSource['process']>[0];
  return source.process(options);
}

describe('the subgraph data source', () => {
  it('posts the operation as JSON with the caller’s authorization and address', async () => {
    const result = await call('/ok', { authorization: 'Bearer t', clientAddress: '203.0.113.7' });
    expect(result).toEqual({ data: { me: { id: 'u1' } } });
    const request = seen.at(-1);
    expect(request?.headers['authorization']).toBe('Bearer t');
    expect(request?.headers['x-forwarded-for']).toBe('203.0.113.7');
    expect(request?.headers['content-type']).toBe('application/json');
    expect(JSON.parse(request?.body ?? '')).toEqual({
      query: '{ me { id } }',
      variables: { a: 1 },
      operationName: 'Me',
    });
  });

  it('sends no credentials where there is no caller (schema loading)', async () => {
    await call('/ok');
    expect(seen.at(-1)?.headers['authorization']).toBeUndefined();
    expect(seen.at(-1)?.headers['x-forwarded-for']).toBeUndefined();
  });

  it('passes a subgraph’s 400 GraphQL error on with its message and code', async () => {
    const error = await call('/refused').catch((thrown: unknown) => thrown);
    expect(error).toBeInstanceOf(GraphQLError);
    expect((error as GraphQLError).message).toBe('not valid Base64');
    expect((error as GraphQLError).extensions).toEqual({ code: 'BAD_USER_INPUT' });
  });

  it('turns any other failure into the status error RemoteGraphQLDataSource gave', async () => {
    const broken = (await call('/broken').catch((thrown: unknown) => thrown)) as GraphQLError;
    expect(broken.message).toBe('502: Bad Gateway');
    expect(broken.extensions['response']).toMatchObject({ status: 502, body: 'upstream down' });
    expect(broken.extensions['code']).toBeUndefined();
    const forbidden = (await call('/forbidden').catch((thrown: unknown) => thrown)) as GraphQLError;
    expect(forbidden.extensions['code']).toBe('FORBIDDEN');
  });

  it('calls a subgraph that does not answer unavailable, so clients may retry', async () => {
    const gone = await listen(() => undefined, '127.0.0.1', 0);
    await closeServer(gone.server);
    const source = new AuthorizingDataSource({
      url: `${gone.origin}/graphql`,
      subgraphName: 'auth',
    });
    const options = {
      kind: 'loading schema',
      request: { query: '{ me { id } }' },
      context: {},
    } as unknown as Parameters<AuthorizingDataSource['process']>[0];
    const error = await source.process(options).catch((thrown: unknown) => thrown);
    expect(error).toBeInstanceOf(DependencyUnavailableError);
    expect(isTransientFailure(error)).toBe(true);
    const formatted = formatClientError({ message: String(error) }, error, () => undefined);
    expect(formatted.extensions).toEqual({ code: 'SERVICE_UNAVAILABLE' });
    expect(formatted.message).not.toContain('127.0.0.1');
  });

  it('refuses a 200 answer that is not a JSON object', async () => {
    await expect(call('/text')).rejects.toThrow('Expected JSON response body, but received: hello');
  });

  it('merges identical queries in flight only when given the shared in-flight table', async () => {
    const twoQueries = async (inflight?: InflightQueries<never>) => {
      const source = new AuthorizingDataSource({
        url: `${server.origin}/ok`,
        subgraphName: 'auth',
        ...(inflight ? { inflight } : {}),
      });
      const options = {
        kind: 'incoming operation',
        request: { query: '{ me { id } }' },
        incomingRequestContext: { operation: { operation: 'query' } },
        context: { authorization: 'Bearer t' },
      } as unknown as Parameters<AuthorizingDataSource['process']>[0];
      const before = seen.length;
      await Promise.all([source.process(options), source.process(options)]);
      return seen.length - before;
    };
    expect(await twoQueries(new InflightQueries())).toBe(1);
    // GUARDYN_GATEWAY__MERGE_QUERIES=false: the gateway passes no table.
    expect(await twoQueries()).toBe(2);
  });
});
