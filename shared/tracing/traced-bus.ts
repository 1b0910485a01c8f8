import {
  ROOT_CONTEXT,
  SpanKind,
  SpanStatusCode,
  context,
  propagation,
  trace,
  type Attributes,
} from '@opentelemetry/api';
import type { BusHandler, EventBus, PublishOptions } from '../bus/index.js';
import { tracer, withinTrace } from './tracer.js';

/**
 * `guardyn.mailbox.<user>.<device>` → `guardyn.mailbox`: the kind of event, without the ids (span
 * names stay few, and no id of a user reaches a span).
 */
export function subjectFamily(subject: string): string {
  const tokens = subject.split('.');
  const length = tokens[2] === 'revoked' ? 3 : 2;
  return tokens.slice(0, length).join('.');
}

function messagingAttributes(system: string, subject: string): Attributes {
  return { 'messaging.system': system, 'messaging.destination.template': subjectFamily(subject) };
}

/**
 * Publishes inside a PRODUCER span (`publish guardyn.push`) whose context travels in the
 * message's headers (W3C `traceparent`; NATS headers on the wire); outside a trace, plainly.
 */
async function publishInSpan(
  system: string,
  subject: string,
  options: PublishOptions | undefined,
  publish: (headers: Record<string, string>) => Promise<void>,
): Promise<void> {
  if (!withinTrace()) return publish({ ...options?.headers });
  const span = tracer().startSpan(`publish ${subjectFamily(subject)}`, {
    kind: SpanKind.PRODUCER,
    attributes: { ...messagingAttributes(system, subject), 'messaging.operation.type': 'send' },
  });
  const active = trace.setSpan(context.active(), span);
  const headers: Record<string, string> = { ...options?.headers };
  propagation.inject(active, headers);
  try {
    await context.with(active, () => publish(headers));
  } catch (error) {
    span.setStatus({ code: SpanStatusCode.ERROR });
    throw error;
  } finally {
    span.end();
  }
}

/** Runs a handler inside a CONSUMER span (`process guardyn.push`), child of the publisher's. */
function consumeInSpan(system: string, handler: BusHandler, durableName?: string): BusHandler {
  return async (message) => {
    const parent = propagation.extract(ROOT_CONTEXT, message.headers ?? {});
    // Events published outside any trace (heartbeats) are handled untraced too.
    if (trace.getSpanContext(parent) === undefined) return handler(message);
    const span = tracer().startSpan(
      `process ${subjectFamily(message.subject)}`,
      {
        kind: SpanKind.CONSUMER,
        attributes: {
          ...messagingAttributes(system, message.subject),
          'messaging.operation.type': 'process',
          ...(durableName ? { 'messaging.consumer.group.name': durableName } : {}),
        },
      },
      parent,
    );
    try {
      await context.with(trace.setSpan(parent, span), () => handler(message));
    } catch (error) {
      // Thrown on, so that a durable consumer still retries.
      span.setStatus({ code: SpanStatusCode.ERROR });
      throw error;
    } finally {
      span.end();
    }
  };
}

/**
 * The bus with a span around every publish and every delivery, carrying the trace from the
 * publisher to its consumers over NATS headers, or in process as they are. `system` names the
 * transport (`nats` or `in-process`). Wrapped only while tracing, so an untraced bus is the bare one.
 */
export function traceBus(bus: EventBus, system: string): EventBus {
  return {
    publish: (subject, data, options) =>
      publishInSpan(system, subject, options, (headers) =>
        bus.publish(subject, data, { ...options, headers }),
      ),
    publishDurable: (subject, data, options) =>
      publishInSpan(system, subject, options, (headers) =>
        bus.publishDurable(subject, data, { ...options, headers }),
      ),
    subscribe: (pattern, handler) => bus.subscribe(pattern, consumeInSpan(system, handler)),
    consumeDurable: (pattern, durableName, handler) =>
      bus.consumeDurable(pattern, durableName, consumeInSpan(system, handler, durableName)),
    connection: () => bus.connection(),
    close: () => bus.close(),
  };
}
