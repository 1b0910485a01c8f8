import { trace, type Tracer } from '@opentelemetry/api';

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

/** Only `startTracing` and its `stop` flip it. */
export function markTracingActive(value: boolean): void {
  active = value;
}
