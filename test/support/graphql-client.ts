import type { TypedDocumentNode } from '@graphql-typed-document-node/core';
import { print } from 'graphql';

/**
 * What a test client sends: a generated typed document (schema/generated, from
 * schema/operations/), which types data and variables; or an inline string, kept for tests that
 * send deliberately malformed or hostile operations.
 */
export type Operation<TData, TVariables> = string | TypedDocumentNode<TData, TVariables>;

/** The text of an operation, as it goes over the wire. */
export function sourceOf<TData, TVariables>(operation: Operation<TData, TVariables>): string {
  return typeof operation === 'string' ? operation : print(operation);
}

/** A GraphQL error as clients see it. */
export interface ClientError {
  readonly message: string;
  readonly path?: readonly (string | number)[];
  readonly extensions?: Record<string, unknown> & { code?: string };
}

export interface GraphQLResponse<TData> {
  readonly status: number;
  readonly data?: TData | null;
  readonly errors?: readonly ClientError[];
}

/** One request: the endpoint, the operation, its variables, and optionally a bearer token. */
export type GraphQLRequest<TData, TVariables> = [
  url: string,
  query: Operation<TData, TVariables>,
  variables?: TVariables,
  token?: string,
];

/** POSTs one operation, optionally with a bearer token; never throws on GraphQL errors. */
export async function postGraphQL<
  TData = Record<string, unknown>,
  TVariables = Record<string, unknown>,
>(
  ...[url, query, variables, token]: GraphQLRequest<TData, TVariables>
): Promise<GraphQLResponse<TData>> {
  const response = await fetch(url, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      ...(token ? { authorization: `Bearer ${token}` } : {}),
    },
    body: JSON.stringify({ query: sourceOf(query), variables: variables ?? {} }),
  });
  const body = (await response.json()) as { data?: TData | null; errors?: ClientError[] };
  return { status: response.status, ...body };
}

/** The data of a response that must have succeeded; throws with the errors otherwise. */
export async function expectData<
  TData = Record<string, unknown>,
  TVariables = Record<string, unknown>,
>(...request: GraphQLRequest<TData, TVariables>): Promise<TData> {
  const response = await postGraphQL<TData, TVariables>(...request);
  if (response.errors?.length || !response.data) {
    throw new Error(`GraphQL errors: ${JSON.stringify(response.errors ?? response)}`);
  }
  return response.data;
}

/** The first error code of a response that must have failed. */
export async function expectErrorCode<TData, TVariables = Record<string, unknown>>(
  ...request: GraphQLRequest<TData, TVariables>
): Promise<{ code: string | undefined; error: ClientError }> {
  const response = await postGraphQL<TData, TVariables>(...request);
  const error = response.errors?.[0];
  if (!error) throw new Error(`expected an error, got ${JSON.stringify(response.data)}`);
  return { code: error.extensions?.code, error };
}
