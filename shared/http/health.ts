import type { EventBus } from '../bus/index.js';

/** One dependency's or subgraph's state in a report. */
export interface HealthEntry {
  readonly status: 'ok' | 'down';
  readonly detail?: string;
  /** Reported, but the service serves without it: its being down does not make it unready. */
  readonly advisory?: true;
}

/**
 * What `/health` reports: overall status, what the service is waiting for (the checks that are
 * down, so an operator sees at a glance that it is e.g. the store), and one entry per dependency
 * or subgraph.
 */
export interface HealthReport {
  readonly status: 'ok' | 'degraded';
  readonly service: string;
  /** The names of the checks that are down, in the order of `checks`; empty when all is well. */
  readonly waitingFor: readonly string[];
  /** No check but advisory ones is down: /health answers 200 (503 otherwise). */
  readonly ready: boolean;
  readonly checks: Readonly<Record<string, HealthEntry>>;
}

export type HealthCheck = () => Promise<HealthReport['checks']>;

/**
 * The `graphql` entry of a report: `/health` answers as soon as the server listens, but GraphQL
 * is mounted only once Apollo has started; until then the service is not ready.
 */
export function servingCheck(serving: boolean): HealthReport['checks'] {
  return { graphql: serving ? { status: 'ok' } : { status: 'down', detail: 'starting' } };
}

/**
 * The `bus` entry: down while NATS is unreachable (the client reconnects by itself). Advisory:
 * the store is the truth and the bus only wakes (sends keep their wake-ups in an outbox,
 * sockets poll their mailbox), so an outage of NATS must not take every pod out of service.
 */
export function busCheck(bus: Pick<EventBus, 'connection'>): HealthReport['checks'] {
  const { up, detail } = bus.connection();
  return {
    bus: up
      ? { status: 'ok' }
      : { status: 'down', detail: detail ?? 'unreachable', advisory: true },
  };
}

export async function buildHealthReport(
  service: string,
  check: HealthCheck | undefined,
): Promise<HealthReport> {
  const checks = check ? await check() : {};
  const waitingFor = Object.entries(checks)
    .filter(([, entry]) => entry.status !== 'ok')
    .map(([name]) => name);
  const ready = Object.values(checks).every((entry) => entry.status === 'ok' || entry.advisory);
  return { status: waitingFor.length > 0 ? 'degraded' : 'ok', service, waitingFor, ready, checks };
}
