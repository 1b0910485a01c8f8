import { createClient, type Client } from 'graphql-ws';
import WebSocket from 'ws';
import { sourceOf, type Operation } from './graphql-client.js';

/** A graphql-ws client for tests, with the close code of its socket kept. */
export interface TestSubscriptionClient {
  readonly client: Client;
  /** Resolves with the close code when the server closes the socket. */
  readonly closed: Promise<number>;
  /** Resolves when the server acknowledged connection_init (the socket is registered). */
  readonly connected: Promise<void>;
  dispose(): Promise<void>;
}

export function wsUrl(httpUrl: string): string {
  return httpUrl.replace(/^http/, 'ws');
}

export function connectSubscriptions(
  httpUrl: string,
  accessToken: string | undefined,
): TestSubscriptionClient {
  let closedWith: (code: number) => void = () => undefined;
  const closed = new Promise<number>((resolve) => (closedWith = resolve));
  let connectedWith: () => void = () => undefined;
  const connected = new Promise<void>((resolve) => (connectedWith = resolve));
  const client = createClient({
    url: wsUrl(httpUrl),
    webSocketImpl: WebSocket,
    lazy: false,
    retryAttempts: 0,
    connectionParams: accessToken ? { authorization: `Bearer ${accessToken}` } : {},
    on: {
      closed: (event) => closedWith((event as { code: number }).code),
      connected: () => connectedWith(),
    },
    onNonLazyError: () => undefined,
  });
  return { client, closed, connected, dispose: async () => void (await client.dispose()) };
}

/** Runs `use` with a connected subscription client, disposed of afterwards whatever happens. */
export async function withSubscriptions<T>(
  httpUrl: string,
  accessToken: string | undefined,
  use: (socket: TestSubscriptionClient) => Promise<T>,
): Promise<T> {
  const socket = connectSubscriptions(httpUrl, accessToken);
  try {
    return await use(socket);
  } finally {
    await socket.dispose();
  }
}

/** A subscription's results as they arrive, with a way to wait for the next ones. */
export interface Collected<T> {
  readonly values: T[];
  readonly errors: unknown[];
  /** Resolves once `count` values have arrived (or rejects after `timeoutMs`). */
  waitFor(count: number, timeoutMs?: number): Promise<T[]>;
  /** Resolves when the server completed the subscription. */
  readonly completed: Promise<void>;
  stop(): void;
}

export function collect<T = Record<string, unknown>, TVariables = Record<string, unknown>>(
  client: Client,
  query: Operation<T, TVariables>,
  variables?: TVariables,
): Collected<T> {
  const values: T[] = [];
  const errors: unknown[] = [];
  const waiters: (() => void)[] = [];
  let complete: () => void = () => undefined;
  const completed = new Promise<void>((resolve) => (complete = resolve));
  const notify = () => waiters.splice(0).forEach((wake) => wake());
  const stop = client.subscribe<T>(
    { query: sourceOf(query), variables: (variables ?? {}) as Record<string, unknown> },
    {
      next: (result) => {
        if (result.errors) errors.push(...result.errors);
        if (result.data) values.push(result.data as T);
        notify();
      },
      error: (error) => {
        errors.push(...(Array.isArray(error) ? (error as unknown[]) : [error]));
        notify();
        complete();
      },
      complete: () => {
        notify();
        complete();
      },
    },
  );
  return {
    values,
    errors,
    completed,
    stop,
    async waitFor(count, timeoutMs = 10_000) {
      const deadline = Date.now() + timeoutMs;
      while (values.length < count) {
        if (errors.length > 0) throw new Error(`subscription failed: ${JSON.stringify(errors)}`);
        const left = deadline - Date.now();
        if (left <= 0) throw new Error(`timed out with ${values.length} of ${count} values`);
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, left);
          waiters.push(() => {
            clearTimeout(timer);
            resolve();
          });
        });
      }
      return values.slice(0, count);
    },
  };
}
