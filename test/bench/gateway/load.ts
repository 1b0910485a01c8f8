import autocannon, { type AutocannonOptions } from 'autocannon';

/** What one timed autocannon run measured. */
export interface LoadFigures {
  readonly requestsPerSecond: number;
  /** Milliseconds. */
  readonly p50: number;
  readonly p99: number;
  /** Answers that were not 2xx. */
  readonly non2xx: number;
  /** 2xx answers that carried GraphQL errors. */
  readonly graphqlErrors: number;
  /** Connection errors, timeouts included. */
  readonly socketErrors: number;
}

export interface LoadOptions {
  readonly url: string;
  readonly query: string;
  readonly connections: number;
  readonly seconds: number;
  readonly warmupSeconds: number;
  /** Access tokens to send, one per request in turn (one token: the same on every request). */
  readonly tokens: readonly string[];
}

/** The autocannon options for one run; counts GraphQL errors in `counter`. */
function cannonOptions(
  options: LoadOptions,
  seconds: number,
  counter: { errors: number },
): AutocannonOptions {
  const headers = { 'content-type': 'application/json' };
  const body = JSON.stringify({ query: options.query });
  let next = 0;
  const tokens = options.tokens.map((token) => `Bearer ${token}`);
  return {
    url: options.url,
    connections: options.connections,
    duration: seconds,
    method: 'POST',
    headers,
    body,
    requests: [
      {
        // A token per request, in turn over all connections: concurrent requests never match.
        setupRequest: (request) => {
          const authorization = tokens[next++ % tokens.length] ?? '';
          return { ...request, headers: { ...headers, authorization } };
        },
        onResponse: (status, responseBody) => {
          if (status >= 200 && status < 300 && responseBody.includes('"errors"')) counter.errors++;
        },
      },
    ],
  };
}

/** A warm-up run (discarded), then the timed run against one target. */
export async function measureLoad(options: LoadOptions): Promise<LoadFigures> {
  if (options.tokens.length === 0) throw new Error('no token to send');
  if (options.warmupSeconds > 0) {
    await autocannon(cannonOptions(options, options.warmupSeconds, { errors: 0 }));
  }
  const counter = { errors: 0 };
  const result = await autocannon(cannonOptions(options, options.seconds, counter));
  return {
    requestsPerSecond: result.requests.average,
    p50: result.latency.p50,
    p99: result.latency.p99,
    non2xx: result.non2xx,
    graphqlErrors: counter.errors,
    socketErrors: result.errors,
  };
}
