import { context, trace, type Tracer } from '@opentelemetry/api';

/**
 * Guardyn's own instrumentation scope, looked up at each use: a tracer kept from an earlier SDK
 * would go on feeding that SDK after a restart in the same process (tests start several).
 */
export function tracer(): Tracer {
  return trace.getTracer('guardyn');
}

let active = false;

/**
 * Whether an SDK is exporting in this process. Wrappers check it first and add nothing when it
 * is off, so an unset endpoint costs one boolean test per wrapped call.
 */
export function tracingActive(): boolean {
  return active;
}

/**
 * Whether there is a trace to continue here. Only requests start traces (the gateway's, from the
 * client); background work (socket heartbeats, mailbox polls, rights re-checks, purges) makes
 * no spans of its own, which would otherwise bury the requests' traces in root traces.
 */
export function withinTrace(): boolean {
  return tracingActive() && trace.getSpan(context.active()) !== undefined;
}

/** Only `startTracing` and its `stop` flip it. */
export function markTracingActive(value: boolean): void {
  active = value;
}
