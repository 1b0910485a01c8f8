import { trace } from '@opentelemetry/api';
import { tracingActive } from './tracer.js';

/** The active span's ids, for every log line (pino's `mixin`): none while tracing is off. */
export function traceLogFields(): Record<string, string> {
  if (!tracingActive()) return {};
  const span = trace.getActiveSpan();
  if (!span) return {};
  const { traceId, spanId, traceFlags } = span.spanContext();
  return {
    trace_id: traceId,
    span_id: spanId,
    trace_flags: traceFlags.toString(16).padStart(2, '0'),
  };
}
