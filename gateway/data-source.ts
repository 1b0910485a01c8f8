import { STATUS_CODES } from 'node:http';
import type { GraphQLDataSource, GraphQLDataSourceProcessOptions } from '@apollo/gateway';
import { GraphQLError } from 'graphql';
import { DependencyUnavailableError, isErrorCode } from '../shared/errors/index.js';
import { postJson, type JsonPostResponse } from '../shared/http/index.js';
import { fetchWithSpan, withinTrace } from '../shared/tracing/index.js';
import type { GatewayContext } from './context.js';
import type { InflightQueries } from './inflight-queries.js';

type SubgraphResponse = Awaited<ReturnType<GraphQLDataSource['process']>>;

/**
 * How long a subgraph call may take before the gateway gives up and drops the connection: the
 * same 300 s as Node's fetch (undici's defaults), which the gateway used before.
 */
const subgraphTimeoutMs = 300_000;

/** The parsed body when it is JSON, else the text, as RemoteGraphQLDataSource reads it. */
function parseBody(response: JsonPostResponse): unknown {
  const type = response.contentType ?? '';
  if (type.startsWith('application/json') || type.startsWith('application/graphql-response+json')) {
    return JSON.parse(response.body);
  }
  return response.body;
}

/**
 * A subgraph answers a request it refused before execution (e.g. a variable that is not valid
 * Base64) with HTTP 400 and a GraphQL error: that error is passed on as it is, instead of an
 * opaque "400: Bad Request" carrying the subgraph's URL. Anything else keeps the shape
 * RemoteGraphQLDataSource gave it (401 and 403 carry their codes).
 */
export function errorFromResponse(url: string, response: JsonPostResponse): GraphQLError {
  let body: unknown;
  try {
    body = parseBody(response);
  } catch {
    body = response.body;
  }
  const first = (
    body as { errors?: { message?: unknown; extensions?: { code?: unknown } }[] } | undefined
  )?.errors?.[0];
  if (typeof first?.message === 'string' && isErrorCode(first.extensions?.code)) {
    return new GraphQLError(first.message, { extensions: { code: first.extensions.code } });
  }
  const statusText = STATUS_CODES[response.status] ?? '';
  const code =
    response.status === 401 ? 'UNAUTHENTICATED' : response.status === 403 ? 'FORBIDDEN' : null;
  return new GraphQLError(`${response.status}: ${statusText}`, {
    extensions: {
      response: { url, status: response.status, statusText, body },
      ...(code ? { code } : {}),
    },
  });
}

/**
 * Calls one subgraph over the keep-alive pool of `postJson` (undici's `request`, without the
 * WHATWG layer of `fetch`, which profiles showed as a fifth of the gateway's time), forwarding
 * the caller's credentials and address: every subgraph authorizes on its own.
 */
export class AuthorizingDataSource implements GraphQLDataSource<GatewayContext> {
  private readonly url: string;
  /** Names the subgraph in the span of each call (which carries the trace to the subgraph). */
  private readonly subgraphName: string;
  /** Shared by every subgraph of one gateway (see inflight-queries.ts); none: no merging. */
  private readonly inflight: InflightQueries<JsonPostResponse> | undefined;

  constructor(options: {
    url: string;
    subgraphName: string;
    inflight?: InflightQueries<JsonPostResponse>;
  }) {
    this.url = options.url;
    this.subgraphName = options.subgraphName;
    this.inflight = options.inflight;
  }

  /** One call, merged with an identical query in flight where that is safe. */
  private send(
    options: GraphQLDataSourceProcessOptions<GatewayContext>,
    headers: Record<string, string>,
    body: string,
  ): Promise<JsonPostResponse> {
    const post = () =>
      fetchWithSpan(this.subgraphName, this.url, { method: 'POST', headers }, (url, init) =>
        postJson(url, body, { headers: init.headers, timeoutMs: subgraphTimeoutMs }),
      );
    const { inflight } = this;
    // Schema loading and health checks, traced calls (a span each), trace-capturing planner calls.
    if (!inflight || options.kind !== 'incoming operation' || withinTrace()) return post();
    if (options.request.http) return post();
    if (options.incomingRequestContext.operation.operation !== 'query') {
      return inflight.mutation(post);
    }
    const key = `${this.url}\n${headers['authorization'] ?? ''}\n${headers['x-forwarded-for'] ?? ''}\n${body}`;
    return inflight.query(key, post);
  }

  async process(
    options: GraphQLDataSourceProcessOptions<GatewayContext>,
  ): Promise<SubgraphResponse> {
    const { request } = options;
    if (!request.query) throw new Error('Missing query');
    const headers: Record<string, string> = {};
    // The planner adds headers of its own only to ask for federated traces (ftv1).
    for (const [name, value] of request.http?.headers ?? []) headers[name] = value;
    // Entity fetches during schema load have no caller context.
    const context: Partial<GatewayContext> = options.context;
    if (context.authorization) headers['authorization'] = context.authorization;
    if (context.clientAddress) headers['x-forwarded-for'] = context.clientAddress;
    const body = JSON.stringify({
      query: request.query,
      variables: request.variables,
      operationName: request.operationName,
      extensions: request.extensions,
    });
    let response: JsonPostResponse;
    try {
      response = await this.send(options, headers, body);
    } catch (cause) {
      // Refused, reset or timed out: nothing answered, so a retry may succeed once the subgraph
      // is back (SERVICE_UNAVAILABLE to clients; the cause is logged, never shown).
      throw new DependencyUnavailableError(`the ${this.subgraphName} subgraph did not answer`, {
        cause,
      });
    }
    if (response.status < 200 || response.status > 299) {
      throw errorFromResponse(this.url, response);
    }
    const parsed = parseBody(response);
    if (typeof parsed !== 'object' || parsed === null) {
      throw new Error(`Expected JSON response body, but received: ${String(parsed)}`);
    }
    return parsed as SubgraphResponse;
  }
}
