import { beforeAll, describe, expect, it } from '@jest/globals';
import { errorCodes } from '../../shared/errors/index.js';
import { registerAccount, type TestAccount } from '../support/accounts.js';
import { useTestGuardyn } from '../support/use-test-guardyn.js';

/**
 * Malformed requests replayed at the gateway and at each subgraph's own port: every answer is a
 * small GraphQL JSON error with a registry code, never Express's HTML page, a stack trace, a
 * file path or the runtime's own message.
 */
let alice: TestAccount;
const world = useTestGuardyn();
beforeAll(async () => {
  alice = await registerAccount(world.url);
});

interface Answer {
  readonly status: number;
  readonly contentType: string;
  readonly text: string;
  readonly code: unknown;
}

async function send(url: string, init: RequestInit): Promise<Answer> {
  const response = await fetch(url, init);
  const text = await response.text();
  let code: unknown;
  try {
    code = (JSON.parse(text) as { errors?: { extensions?: { code?: unknown } }[] }).errors?.[0]
      ?.extensions?.code;
  } catch {
    code = undefined;
  }
  return {
    status: response.status,
    contentType: response.headers.get('content-type') ?? '',
    text,
    code,
  };
}

/** What no answer may contain. */
function expectClean(answer: Answer, expected: { status: number; code: string }) {
  expect(answer.contentType).toMatch(/^application\/(graphql-response\+)?json/);
  expect(answer.text).not.toMatch(/<html|<!doctype/i);
  expect(answer.text).not.toMatch(/\/work|node_modules|\.ts:\d|\.js:\d/);
  expect(answer.text).not.toMatch(/(^|\\n|\n)\s*at \S/);
  expect(answer.text).not.toContain('Maximum call stack');
  expect(Object.keys(errorCodes)).toContain(answer.code);
  expect({ status: answer.status, code: answer.code }).toEqual(expected);
}

const json = (body: string, headers: Record<string, string> = {}): RequestInit => ({
  method: 'POST',
  headers: { 'content-type': 'application/json', ...headers },
  body,
});
/** Valid on every endpoint: `__typename` exists everywhere, and the variable is used. */
const skipQuery = 'query ($x: Boolean!) { __typename @skip(if: $x) }';
const tenMegabytes = 'a'.repeat(10 * 1024 * 1024);
const nestedArray = (levels: number) => `${'['.repeat(levels)}${']'.repeat(levels)}`;

const endpoints = (): [string, string][] => [
  ['gateway', world.url],
  ...Object.entries(world.guardyn.subgraphs).map(([name, server]): [string, string] => [
    name,
    server?.url ?? '',
  ]),
];
const names = ['gateway', 'auth', 'messaging', 'presence', 'media', 'notification'];

describe.each(names)('malformed requests at %s', (name) => {
  const url = () => Object.fromEntries(endpoints())[name] ?? '';

  it('truncated JSON is BAD_USER_INPUT (400), not an HTML stack trace', async () => {
    expectClean(await send(url(), json('{"query": "{ __typename ')), {
      status: 400,
      code: 'BAD_USER_INPUT',
    });
    expectClean(await send(url(), json('5')), { status: 400, code: 'BAD_USER_INPUT' });
  });

  it('a body over the limit is PAYLOAD_TOO_LARGE (413)', async () => {
    const body = JSON.stringify({
      query: '{ __typename }',
      variables: { x: 'a'.repeat(17 * 1024 * 1024) },
    });
    expectClean(await send(url(), json(body)), { status: 413, code: 'PAYLOAD_TOO_LARGE' });
  });

  it.each([
    ['text/plain', { 'content-type': 'text/plain' }, 400],
    ['application/xml', { 'content-type': 'application/xml' }, 400],
    ['JSON in latin2', { 'content-type': 'application/json; charset=latin2' }, 415],
    [
      'an unknown Content-Encoding',
      { 'content-type': 'application/json', 'content-encoding': 'xyz' },
      415,
    ],
    [
      'a gzip body that is not gzip',
      { 'content-type': 'application/json', 'content-encoding': 'gzip' },
      400,
    ],
  ])('%s is a JSON refusal', async (_what, headers, status) => {
    const answer = await send(url(), {
      method: 'POST',
      headers,
      body: '{"query":"{ __typename }"}',
    });
    expectClean(answer, { status, code: 'BAD_USER_INPUT' });
  });

  it('a 10 MB invalid variable comes back cut to a small answer', async () => {
    const answer = await send(
      url(),
      json(JSON.stringify({ query: skipQuery, variables: { x: tenMegabytes } })),
    );
    expectClean(answer, { status: 400, code: 'BAD_USER_INPUT' });
    expect(answer.text.length).toBeLessThan(2048);
    expect(answer.text).toContain('…');
  });

  it('a deeply nested variable or document is BAD_USER_INPUT without the runtime message', async () => {
    const variable = `{"query":${JSON.stringify(skipQuery)},"variables":{"x":${nestedArray(100_000)}}}`;
    expectClean(await send(url(), json(variable)), { status: 400, code: 'BAD_USER_INPUT' });
    const document = `query { __typename @skip(if: ${nestedArray(10_000)}) }`;
    expectClean(await send(url(), json(JSON.stringify({ query: document }))), {
      status: 400,
      code: 'BAD_USER_INPUT',
    });
  });

  it.each([
    ['garbage', '?query=%7B&variables=%7Bzz'],
    ['no query', ''],
    ['invalid variables', '?query=%7B__typename%7D&variables=%7Bzz'],
  ])('GET with %s is a JSON refusal', async (_what, search) => {
    const preflight: Record<string, string>[] = [{}, { 'apollo-require-preflight': 'true' }];
    for (const headers of preflight) {
      expectClean(await send(`${url()}${search}`, { method: 'GET', headers }), {
        status: 400,
        code: 'BAD_USER_INPUT',
      });
    }
  });

  it.each(['PUT', 'PATCH', 'DELETE', 'OPTIONS'])('%s is a JSON refusal', async (method) => {
    const answer = await send(url(), {
      method,
      headers: { 'content-type': 'application/json' },
      body: '{}',
    });
    expect(answer.status).toBeGreaterThanOrEqual(400);
    expectClean(answer, { status: answer.status, code: 'BAD_USER_INPUT' });
  });
});

describe('the gateway: a variable nested deep enough to overflow its subgraph request encoding', () => {
  it('is BAD_USER_INPUT before any subgraph is asked', async () => {
    const body = `{"query":"mutation ($k: [Base64!]!) { uploadKeyPackages(keyPackages: $k) }","variables":{"k":${nestedArray(100_000)}}}`;
    const answer = await send(
      world.url,
      json(body, { authorization: `Bearer ${alice.accessToken}` }),
    );
    expectClean(answer, { status: 400, code: 'BAD_USER_INPUT' });
  });
});

describe.each(['gateway', 'media'])('malformed multipart requests at %s', (name) => {
  const url = () => (name === 'gateway' ? world.url : (world.guardyn.subgraphs.media?.url ?? ''));
  const multipart = (boundary: string, body: string): RequestInit => ({
    method: 'POST',
    headers: {
      'content-type': `multipart/form-data; boundary=${boundary}`,
      'apollo-require-preflight': 'true',
      authorization: `Bearer ${alice.accessToken}`,
    },
    body,
  });
  const operations = (value: string) =>
    `--b\r\nContent-Disposition: form-data; name="operations"\r\n\r\n${value}\r\n--b\r\nContent-Disposition: form-data; name="map"\r\n\r\n{}\r\n--b--\r\n`;

  it.each([
    ['a body that ends early', '--b\r\nContent-Disposition: form-da'],
    ['operations that are not JSON', operations('{"query": "mutation')],
    [
      'a document nested too deeply',
      operations(
        JSON.stringify({ query: `mutation { setAvatar(file: ${nestedArray(10_000)}) { id } }` }),
      ),
    ],
    [
      // Within the 64 KiB the operations field may take.
      'variables nested too deeply',
      operations(
        `{"query":"mutation ($f: Upload!) { setAvatar(file: $f) { id } }","variables":{"f":${nestedArray(30_000)}}}`,
      ),
    ],
  ])('%s is BAD_USER_INPUT (400)', async (_what, body) => {
    expectClean(await send(url(), multipart('b', body)), { status: 400, code: 'BAD_USER_INPUT' });
  });

  it('a multipart request without a boundary is BAD_USER_INPUT', async () => {
    const answer = await send(url(), {
      ...multipart('b', 'x'),
      headers: {
        'content-type': 'multipart/form-data',
        'apollo-require-preflight': 'true',
        authorization: `Bearer ${alice.accessToken}`,
      },
    });
    expectClean(answer, { status: 400, code: 'BAD_USER_INPUT' });
  });
});
