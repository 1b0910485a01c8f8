/** What `/health` reports: overall status and one entry per dependency or subgraph. */
export interface HealthReport {
  readonly status: 'ok' | 'degraded';
  readonly service: string;
  readonly checks: Readonly<
    Record<string, { readonly status: 'ok' | 'down'; readonly detail?: string }>
  >;
}

export type HealthCheck = () => Promise<HealthReport['checks']>;

/**
 * The `graphql` entry of a report: `/health` answers as soon as the server listens, but GraphQL
 * is mounted only once Apollo has started; until then the service is not ready.
 */
export function servingCheck(serving: boolean): HealthReport['checks'] {
  return { graphql: serving ? { status: 'ok' } : { status: 'down', detail: 'starting' } };
}

export async function buildHealthReport(
  service: string,
  check: HealthCheck | undefined,
): Promise<HealthReport> {
  const checks = check ? await check() : {};
  const down = Object.values(checks).some((entry) => entry.status !== 'ok');
  return { status: down ? 'degraded' : 'ok', service, checks };
}
