import { sourceOf, type Operation } from '../../support/graphql-client.js';
import { isErrorCode } from '../../../shared/errors/index.js';

/** What one attempt gave: data, or why not (an error code, `network`, or `http-<status>`). */
export type AttemptOutcome<TData> =
  { readonly ok: true; readonly data: TData } | { readonly ok: false; readonly failure: string };

/**
 * POSTs one operation and never throws: a client that must retry needs the reason, whether the
 * gateway answered a GraphQL error, an HTTP error page, or nothing at all.
 */
export async function attempt<TData, TVariables>(
  url: string,
  operation: Operation<TData, TVariables>,
  variables: TVariables,
  token: string,
  timeoutMs = 20_000,
): Promise<AttemptOutcome<TData>> {
  let response: Response;
  try {
    response = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      body: JSON.stringify({ query: sourceOf(operation), variables }),
      signal: AbortSignal.timeout(timeoutMs),
    });
  } catch {
    return { ok: false, failure: 'network' };
  }
  const text = await response.text().catch(() => '');
  let body: { data?: TData | null; errors?: { extensions?: { code?: string } }[] };
  try {
    body = JSON.parse(text) as typeof body;
  } catch {
    return { ok: false, failure: `http-${response.status}` };
  }
  if (body.errors?.length || !body.data) {
    return { ok: false, failure: body.errors?.[0]?.extensions?.code ?? `http-${response.status}` };
  }
  return { ok: true, data: body.data };
}

/**
 * Whether a failure is one a client can act on: a code of the error registry (documented in
 * docs/api.md), or no answer at all. INTERNAL is still among them: a CI run saw one during a
 * Cassandra kill (every other failed attempt is SERVICE_UNAVAILABLE); which path gives it is open.
 */
export function isClearFailure(failure: string): boolean {
  return isErrorCode(failure) || failure === 'network' || failure === 'http-503';
}
