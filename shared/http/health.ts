/** What `/health` reports: overall status and one entry per dependency or subgraph. */
export interface HealthReport {
  readonly status: 'ok' | 'degraded';
  readonly service: string;
  readonly checks: Readonly<
    Record<string, { readonly status: 'ok' | 'down'; readonly detail?: string }>
  >;
}

export type HealthCheck = () => Promise<HealthReport['checks']>;

export async function buildHealthReport(
  service: string,
  check: HealthCheck | undefined,
): Promise<HealthReport> {
  const checks = check ? await check() : {};
  const down = Object.values(checks).some((entry) => entry.status !== 'ok');
  return { status: down ? 'degraded' : 'ok', service, checks };
}
