import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { startHttpOtlpReceiver, type OtlpReceiver } from '../../test/support/otlp-receiver.js';
import { createLogger } from '../logging/index.js';
import { startTracing, type Tracing } from './index.js';
import { tracer } from './tracer.js';

/** A JSON logger whose lines are kept, parsed. */
function capture() {
  const lines: Record<string, unknown>[] = [];
  const destination = new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const line of chunk.toString('utf8').split('\n').filter(Boolean)) {
        lines.push(JSON.parse(line) as Record<string, unknown>);
      }
      done();
    },
  });
  return { logger: createLogger('info', 'auth', { destination }), lines };
}

let receiver: OtlpReceiver;
let tracing: Tracing;
beforeAll(async () => {
  receiver = await startHttpOtlpReceiver();
  tracing = await startTracing({
    endpoint: receiver.endpoint,
    protocol: 'http/protobuf',
    serviceName: 'guardyn-test',
  });
});
afterAll(async () => {
  await tracing.stop();
  await receiver.close();
});

describe('log lines while tracing', () => {
  it('carry the trace and span ids of the active span, and nothing outside a span', () => {
    const { logger, lines } = capture();
    let ids: { traceId: string; spanId: string } | undefined;
    tracer().startActiveSpan('work', (span) => {
      ids = span.spanContext();
      logger.info('inside');
      span.end();
    });
    logger.info('outside');

    const [inside, outside] = lines;
    expect(inside).toMatchObject({ msg: 'inside', trace_id: ids?.traceId, span_id: ids?.spanId });
    expect(outside?.['msg']).toBe('outside');
    expect(outside).not.toHaveProperty('trace_id');
    expect(outside).not.toHaveProperty('span_id');
  });
});
