/**
 * The device's one graphql-ws socket (`graphql-transport-ws` on the gateway's /graphql), shared by
 * its subscriptions. It reconnects forever with graphql-ws's backoff, each time with a fresh access
 * token, and graphql-ws then subscribes again; `messageReceived` resumes with what is still
 * unacknowledged (docs/realtime.md), so nothing is lost across a reconnect.
 */
import type { TypedDocumentNode } from '@graphql-typed-document-node/core';
import { print } from 'graphql';
import { createClient, type Client } from 'graphql-ws';
import WebSocket from 'ws';
import type { Session } from './graphql.js';

/** What a subscription delivers: each result, then an end (an error, or the server completing). */
export interface SubscriptionSink<TData> {
  next(data: TData): void;
  error(error: unknown): void;
  complete(): void;
}

export class DeviceSocket {
  readonly #client: Client;

  /** `onConnected` runs each time a socket is up and acknowledged (the first time and after each reconnect). */
  constructor(session: Session, onConnected: () => void = () => undefined) {
    this.#client = createClient({
      url: session.url.replace(/^http/, 'ws'),
      webSocketImpl: WebSocket,
      lazy: true,
      retryAttempts: Number.POSITIVE_INFINITY,
      // Every close is worth another try: an expired token is refreshed by connectionParams.
      shouldRetry: () => true,
      connectionParams: async () => ({ authorization: `Bearer ${await session.accessToken()}` }),
      on: { connected: () => onConnected() },
    });
  }

  /** Starts a subscription; returns the function that stops it. */
  subscribe<TData, TVariables extends Record<string, unknown>>(
    document: TypedDocumentNode<TData, TVariables>,
    variables: TVariables,
    sink: SubscriptionSink<TData>,
  ): () => void {
    return this.#client.subscribe<TData>(
      { query: print(document), variables },
      {
        next: (result) => {
          if (result.errors?.length) sink.error(result.errors);
          else if (result.data) sink.next(result.data as TData);
        },
        error: (error) => sink.error(error),
        complete: () => sink.complete(),
      },
    );
  }

  /** Forces a reconnect (as a network change would): subscriptions resume on the new socket. */
  reconnect(): void {
    this.#client.terminate();
  }

  async close(): Promise<void> {
    await this.#client.dispose();
  }
}
