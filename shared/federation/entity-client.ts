import { DependencyUnavailableError, InternalError } from '../errors/index.js';
import { postJson } from '../http/post-json.js';
import { fetchWithSpan } from '../tracing/index.js';

/**
 * Reads entities from another subgraph through the federation `_entities` query, the way the
 * gateway itself resolves references. Subgraphs meet only through the supergraph's entities:
 * this is how one asks another for fields it owns, with the caller's credentials.
 */
export class EntityClient {
  constructor(
    private readonly subgraphUrl: () => string,
    private readonly timeoutMs = 5_000,
  ) {}

  /**
   * Resolves `ids` of `typename` with `selection` (e.g. `devices { deviceId registrationId }`).
   * Returns one entry per id, `null` where the subgraph knows no such entity.
   */
  async fetch<T>(
    typename: string,
    ids: readonly string[],
    selection: string,
    authorization: string | undefined,
  ): Promise<(T | null)[]> {
    if (ids.length === 0) return [];
    const query = `query ($representations: [_Any!]!) { _entities(representations: $representations) { ... on ${typename} { ${selection} } } }`;
    const representations = ids.map((id) => ({ __typename: typename, id }));
    const data = await this.query<{ _entities?: (T | null)[] }>(
      `${typename} entities`,
      query,
      { representations },
      authorization,
    );
    if (!data._entities) throw new InternalError(`${typename} lookup failed: no entities`);
    return data._entities;
  }

  /**
   * Runs one operation against the subgraph (its own fields, `@inaccessible` ones included, which
   * the gateway never exposes) and returns its data; INTERNAL on any error (SERVICE_UNAVAILABLE
   * to clients when the subgraph did not answer or cannot now). `label` names the span.
   */
  async query<T>(
    label: string,
    query: string,
    variables: Record<string, unknown>,
    authorization: string | undefined,
  ): Promise<T> {
    let body: {
      data?: T | null;
      errors?: { message: string; extensions?: { code?: string } }[];
    };
    try {
      const headers: Record<string, string> = authorization ? { authorization } : {};
      const init = { method: 'POST', headers, body: JSON.stringify({ query, variables }) };
      // postJson: a keep-alive pool between our servers, without fetch's WHATWG layer.
      const response = await fetchWithSpan(
        label,
        this.subgraphUrl(),
        init,
        (url, sent: typeof init) =>
          postJson(url, sent.body, { headers: sent.headers, timeoutMs: this.timeoutMs }),
      );
      body = JSON.parse(response.body) as typeof body;
    } catch (cause) {
      throw new DependencyUnavailableError(`could not reach the subgraph for ${label}`, { cause });
    }
    if (body.errors?.some((error) => error.extensions?.code === 'SERVICE_UNAVAILABLE')) {
      throw new DependencyUnavailableError(`${label}: the subgraph cannot answer now`);
    }
    if (!body.data || body.errors?.length) {
      throw new InternalError(
        `${label} failed: ${body.errors?.map((error) => error.message).join('; ')}`,
      );
    }
    return body.data;
  }
}
