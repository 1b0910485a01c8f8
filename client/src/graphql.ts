/**
 * The HTTP side of the client: typed operations from schema/operations (generated into ./generated) posted
 * to the gateway, with the device's access token refreshed before it expires and once more when
 * the server answers UNAUTHENTICATED.
 */
import type { TypedDocumentNode } from '@graphql-typed-document-node/core';
import { print } from 'graphql';
import { RefreshSessionDocument } from './generated/operations.js';

/** A refusal from the server, with the `extensions.code` and extensions of docs/api.md. */
export class GuardynError extends Error {
  constructor(
    message: string,
    readonly code: string,
    readonly extensions: Readonly<Record<string, unknown>> = {},
  ) {
    super(message);
    this.name = 'GuardynError';
  }
}

interface ResponseBody<TData> {
  data?: TData | null;
  errors?: { message: string; extensions?: Record<string, unknown> }[];
}

/** Posts one operation; throws a {@link GuardynError} for the first GraphQL error. */
export async function request<TData, TVariables>(
  url: string,
  document: TypedDocumentNode<TData, TVariables>,
  variables: TVariables,
  accessToken?: string,
): Promise<TData> {
  const response = await fetch(url, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      ...(accessToken ? { authorization: `Bearer ${accessToken}` } : {}),
    },
    body: JSON.stringify({ query: print(document), variables }),
  });
  return dataOf((await response.json()) as ResponseBody<TData>);
}

/** The data of a response, or its first error as a {@link GuardynError}. */
export function dataOf<TData>(body: ResponseBody<TData>): TData {
  const error = body.errors?.[0];
  if (error !== undefined || !body.data) {
    const extensions = error?.extensions ?? {};
    const code = typeof extensions['code'] === 'string' ? extensions['code'] : 'INTERNAL';
    throw new GuardynError(error?.message ?? 'empty response', code, extensions);
  }
  return body.data;
}

/** Tokens as the auth payloads carry them. */
export interface Tokens {
  readonly accessToken: string;
  readonly refreshToken: string;
  /** ISO-8601 expiry of the access token. */
  readonly expiresAt: string;
}

/** Refresh this long before the access token expires, so no request races its expiry. */
const REFRESH_MARGIN_MS = 60_000;

/**
 * The signed-in device's connection: every call carries a fresh access token. Refresh tokens
 * rotate on each use (a reused one revokes the session), so refreshes are serialized and the new
 * pair is handed to `onTokens` to be saved before anything else uses it.
 */
export class Session {
  #tokens: Tokens;
  #refreshing: Promise<void> | undefined;

  constructor(
    readonly url: string,
    tokens: Tokens,
    private readonly onTokens: (tokens: Tokens) => Promise<void>,
  ) {
    this.#tokens = tokens;
  }

  /** A valid access token, refreshed first when it is about to expire. */
  async accessToken(): Promise<string> {
    if (Date.parse(this.#tokens.expiresAt) - Date.now() < REFRESH_MARGIN_MS) await this.refresh();
    return this.#tokens.accessToken;
  }

  /** Rotates the tokens now (concurrent callers share one refresh). */
  refresh(): Promise<void> {
    this.#refreshing ??= (async () => {
      try {
        const { refreshSession } = await request(this.url, RefreshSessionDocument, {
          refreshToken: this.#tokens.refreshToken,
        });
        this.#tokens = refreshSession;
        await this.onTokens(refreshSession);
      } finally {
        this.#refreshing = undefined;
      }
    })();
    return this.#refreshing;
  }

  /** Posts an operation as this device; an UNAUTHENTICATED answer refreshes and retries once. */
  async request<TData, TVariables>(
    document: TypedDocumentNode<TData, TVariables>,
    variables: TVariables,
  ): Promise<TData> {
    try {
      return await request(this.url, document, variables, await this.accessToken());
    } catch (error) {
      if (!(error instanceof GuardynError) || error.code !== 'UNAUTHENTICATED') throw error;
      await this.refresh();
      return request(this.url, document, variables, this.#tokens.accessToken);
    }
  }
}
