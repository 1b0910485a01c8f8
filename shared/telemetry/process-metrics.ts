import { Registry, collectDefaultMetrics } from 'prom-client';

/**
 * Metrics of the whole process rather than of one service: Node and process defaults, the event
 * bus, store calls, pushes, the sampled mailbox size. Embedded mode runs six services in one
 * process, so these are exposed once, by the service that claimed them last (see `claim`).
 */
export const processRegistry = new Registry();
collectDefaultMetrics({ register: processRegistry });

let owner: object | undefined;

/**
 * Makes `service` the one whose `/metrics` carries the process metrics. The last claim wins:
 * in embedded mode the gateway starts last, so its port (4000) has them; a process running one
 * service exposes them on that service's port.
 */
export function claimProcessMetrics(service: object): void {
  owner = service;
}

export function ownsProcessMetrics(service: object): boolean {
  return owner === service;
}
