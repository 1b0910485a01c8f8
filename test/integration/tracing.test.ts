import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { registerAccount, type TestAccount } from '../support/accounts.js';
import { until } from '../support/eventually.js';
import {
  startGrpcOtlpReceiver,
  startHttpOtlpReceiver,
  type OtlpReceiver,
} from '../support/otlp-receiver.js';
import type { ExportedSpan } from '../support/otlp-spans.js';
import { recipientDevices } from '../support/messaging-client.js';
import { collect, withSubscriptions } from '../support/subscriptions-client.js';
import { startTestGuardyn } from '../support/test-guardyn.js';
import { postJson } from '../../shared/http/post-json.js';

const spanKind = { internal: 1, server: 2, client: 3, producer: 4, consumer: 5 } as const;

/** The SDK's documented knob: export every 100 ms rather than every 5 s, to keep the test short. */
const scheduleDelay = 'OTEL_BSP_SCHEDULE_DELAY';
const previousDelay = process.env[scheduleDelay];
beforeAll(() => {
  process.env[scheduleDelay] = '100';
});
afterAll(() => {
  if (previousDelay === undefined) delete process.env[scheduleDelay];
  else process.env[scheduleDelay] = previousDelay;
});

interface ClientRequest {
  readonly traceId: string;
  readonly parentSpanId: string;
  /** Everything the client sent that no span may carry. */
  readonly secrets: readonly string[];
}

/** A client's own W3C trace context: a new trace, with the client's span as the parent. */
function clientTrace() {
  const traceId = randomBytes(16).toString('hex');
  const parentSpanId = randomBytes(8).toString('hex');
  return { traceId, parentSpanId, traceparent: `00-${traceId}-${parentSpanId}-01` };
}

/** A `sendMessage` from Alice to Bob under the client's own W3C `traceparent`. */
async function sendTracedMessage(url: string, alice: TestAccount, bob: TestAccount) {
  const devices = await recipientDevices(url, alice, bob.userId);
  const { traceId, parentSpanId, traceparent } = clientTrace();
  const content = randomBytes(48).toString('base64');
  const clientMessageId = `traced-${randomBytes(6).toString('hex')}`;
  const response = await fetch(url, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      authorization: `Bearer ${alice.accessToken}`,
      traceparent,
    },
    body: JSON.stringify({
      query: `mutation SendTraced($input: SendMessageInput!) {
        sendMessage(input: $input) { messageId }
      }`,
      variables: {
        input: {
          recipientId: bob.userId,
          clientMessageId,
          deliveryReceipts: false,
          envelopes: devices.map((device) => ({ ...device, type: 'SIGNAL_MESSAGE', content })),
        },
      },
    }),
  });
  const body = (await response.json()) as { data?: { sendMessage?: { messageId: string } } };
  expect(body.data?.sendMessage?.messageId).toEqual(expect.any(String));
  const secrets = [content, clientMessageId, bob.userId, alice.password, alice.accessToken];
  return { traceId, parentSpanId, secrets } satisfies ClientRequest;
}

/**
 * A call from this process to the auth subgraph that only Apollo Server may answer (a document
 * that does not parse): offered in process first, then made over HTTP.
 */
async function sendRefusedCall(authUrl: string): Promise<string> {
  const { traceId, traceparent } = clientTrace();
  const answer = await postJson(authUrl, JSON.stringify({ query: '{ me { id' }), {
    headers: { traceparent },
    timeoutMs: 5_000,
  });
  expect(answer.status).toBe(400);
  return traceId;
}

/** `{ me { id } }` with a token no subgraph accepts: auth refuses it in its resolver. */
async function sendUnauthenticatedQuery(url: string): Promise<string> {
  const { traceId, traceparent } = clientTrace();
  const response = await fetch(url, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      authorization: 'Bearer not-a-token',
      traceparent,
    },
    body: JSON.stringify({ query: '{ me { id } }' }),
  });
  const body = (await response.json()) as { errors?: { extensions?: { code?: string } }[] };
  expect(body.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
  return traceId;
}

function one(
  spans: readonly ExportedSpan[],
  description: string,
  test: (span: ExportedSpan) => boolean,
) {
  const found = spans.filter(test);
  if (found.length === 0) {
    const seen = spans.map((span) => `${span.name} ${JSON.stringify(span.attributes)}`);
    throw new Error(`no span ${description} among:\n${seen.join('\n')}`);
  }
  return found[0] as ExportedSpan;
}

describe.each([
  ['http/protobuf', startHttpOtlpReceiver],
  ['grpc', startGrpcOtlpReceiver],
] as const)('traces over OTLP %s', (protocol, startReceiver) => {
  let receiver: OtlpReceiver;
  let request: ClientRequest;
  let refusedTraceId: string;
  let unauthenticatedTraceId: string;

  beforeAll(async () => {
    receiver = await startReceiver();
    const guardyn = await startTestGuardyn({
      env: {
        GUARDYN_OBSERVABILITY__OTLP_ENDPOINT: receiver.endpoint,
        GUARDYN_OBSERVABILITY__OTLP_PROTOCOL: protocol,
      },
    });
    try {
      const alice = await registerAccount(guardyn.url);
      const bob = await registerAccount(guardyn.url);
      // Bob listens, so the mailbox hint has a consumer at the gateway.
      await withSubscriptions(guardyn.url, bob.accessToken, async (socket) => {
        const stream = collect(socket.client, 'subscription { messageReceived { id } }');
        await until(() => guardyn.gateway?.subscriptions.followedSubjects() ?? 0, Boolean);
        request = await sendTracedMessage(guardyn.url, alice, bob);
        unauthenticatedTraceId = await sendUnauthenticatedQuery(guardyn.url);
        refusedTraceId = await sendRefusedCall(guardyn.subgraphs.auth?.url ?? '');
        await stream.waitFor(1);
        stream.stop();
      });
      // The push reaches the notification consumer after sendMessage returns.
      await until(
        () => receiver.spans.some((span) => span.name === 'process guardyn.push'),
        Boolean,
        15_000,
      );
    } finally {
      // Stopping flushes what is still buffered.
      await guardyn.dispose();
    }
  }, 60_000);

  afterAll(() => receiver.close());

  const inTrace = () => receiver.spans.filter((span) => span.traceId === request.traceId);

  it('exports the gateway operation as a child of the client span, named without content', () => {
    const operation = one(
      inTrace(),
      'for the gateway operation',
      (span) => span.attributes['guardyn.service'] === 'gateway' && span.kind === spanKind.server,
    );
    expect(operation).toMatchObject({
      serviceName: 'guardyn',
      name: 'mutation SendTraced',
      parentSpanId: request.parentSpanId,
      attributes: {
        'graphql.operation.type': 'mutation',
        'graphql.operation.name': 'SendTraced',
        'http.response.status_code': 200,
      },
    });
  });

  it('puts every subgraph the gateway reached in the same trace, with its store calls', () => {
    const spans = inTrace();
    const fetches = spans.filter(
      (span) => span.kind === spanKind.client && span.name.startsWith('fetch '),
    );
    const reached = new Set(fetches.map((span) => String(span.attributes['guardyn.subgraph'])));
    expect(reached).toContain('messaging');
    for (const subgraph of reached) {
      if (subgraph.endsWith(' entities')) continue; // a subgraph asking another: named by type
      const served = one(
        spans,
        `served by ${subgraph}`,
        (span) => span.attributes['guardyn.service'] === subgraph && span.kind === spanKind.server,
      );
      // The subgraph's span is the child of the fetch that carried the trace to it.
      expect(fetches.map((span) => span.spanId)).toContain(served.parentSpanId);
    }
    const write = one(
      spans,
      'writing the mailbox',
      (span) => span.attributes['db.operation.name'] === 'INSERT',
    );
    expect(['sqlite', 'cassandra']).toContain(write.attributes['db.system']);
    expect(write.attributes['db.query.summary']).toMatch(/^INSERT \w+/);
  });

  it('gives a subgraph call that Apollo Server refuses one server span, with its status', () => {
    const served = receiver.spans.filter(
      (span) =>
        span.traceId === refusedTraceId &&
        span.attributes['guardyn.service'] === 'auth' &&
        span.kind === spanKind.server,
    );
    expect(served).toHaveLength(1);
    expect(served[0]?.attributes['http.response.status_code']).toEqual(expect.any(Number));
    expect(served[0]?.attributes['http.response.status_code']).not.toBe(0);
  });

  it("records a subgraph's refusal with the code its service threw", () => {
    const served = one(
      receiver.spans,
      'served by auth for the unauthenticated query',
      (span) =>
        span.traceId === unauthenticatedTraceId &&
        span.attributes['guardyn.service'] === 'auth' &&
        span.kind === spanKind.server,
    );
    expect(served.attributes['guardyn.error.codes']).toEqual(['UNAUTHENTICATED']);
  });

  it('carries the trace over the bus from the publish to the consumer', () => {
    const spans = inTrace();
    one(spans, 'publishing the mailbox hint', (span) => span.name === 'publish guardyn.mailbox');
    const publish = one(
      spans,
      'publishing the push',
      (span) => span.name === 'publish guardyn.push',
    );
    const consume = one(
      spans,
      'consuming the push',
      (span) => span.name === 'process guardyn.push',
    );
    expect(publish.kind).toBe(spanKind.producer);
    expect(consume).toMatchObject({ kind: spanKind.consumer, parentSpanId: publish.spanId });
  });

  it('continues the trace at the gateway into the subscription event and its mailbox read', () => {
    const spans = inTrace();
    const publish = one(spans, 'publishing the hint', (s) => s.name === 'publish guardyn.mailbox');
    const consume = one(spans, 'consuming the hint', (s) => s.name === 'process guardyn.mailbox');
    expect(consume).toMatchObject({ kind: spanKind.consumer, parentSpanId: publish.spanId });
    const event = one(
      spans,
      'resolving the event',
      (span) => span.attributes['guardyn.service'] === 'gateway' && span.kind === spanKind.internal,
    );
    expect(event.attributes['graphql.operation.type']).toBe('query');
    const inboxRead = one(
      spans,
      'reading the mailbox in messaging',
      (span) => span.attributes['guardyn.service'] === 'messaging' && span.name.startsWith('query'),
    );
    expect(inboxRead.traceId).toBe(request.traceId);
  });

  it('never exports variables, content, ids or credentials', () => {
    expect(receiver.spans.length).toBeGreaterThan(0);
    const exported = JSON.stringify(receiver.spans.map((span) => [span.name, span.attributes]));
    for (const secret of request.secrets) expect(exported).not.toContain(secret);
  });
});
