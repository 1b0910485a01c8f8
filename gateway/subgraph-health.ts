import type { HealthReport } from '../shared/http/index.js';

export interface SubgraphEndpoint {
  readonly name: string;
  /** The subgraph's GraphQL URL; its health is at `/health` on the same origin. */
  readonly url: string;
}

/** Asks each subgraph's `/health`, in parallel, with a short timeout each. */
export async function checkSubgraphs(
  subgraphs: readonly SubgraphEndpoint[],
  timeoutMs = 2_000,
): Promise<HealthReport['checks']> {
  const entries = await Promise.all(
    subgraphs.map(async ({ name, url }) => {
      try {
        const response = await fetch(new URL('/health', url), {
          signal: AbortSignal.timeout(timeoutMs),
        });
        const status: 'ok' | 'down' = response.ok ? 'ok' : 'down';
        return [
          name,
          response.ok ? { status } : { status, detail: `HTTP ${response.status}` },
        ] as const;
      } catch (error) {
        const detail = error instanceof Error ? error.message : String(error);
        return [name, { status: 'down' as const, detail }] as const;
      }
    }),
  );
  return Object.fromEntries(entries);
}
