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
 * docs/api.md) but INTERNAL, which tells a client nothing it could do (a part that is down is
 * SERVICE_UNAVAILABLE, to retry), or no answer at all.
 */
export function isClearFailure(failure: string): boolean {
  return (
    (isErrorCode(failure) && failure !== 'INTERNAL') ||
    failure === 'network' ||
    failure === 'http-503'
  );
}
