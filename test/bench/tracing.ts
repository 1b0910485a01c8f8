import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { context, trace } from '@opentelemetry/api';
import { openSqlite } from '../../shared/sqlite/index.js';
import { startTracing, traceStatementSync } from '../../shared/tracing/index.js';
import { percentiles, printTable, type Percentiles } from './stats.js';

const migrations = [
  'CREATE TABLE envelopes (id TEXT PRIMARY KEY, content BLOB)',
  "INSERT INTO envelopes VALUES ('a', x'00')",
];

/** Nanoseconds per call of `call`, in rounds of `perRound` calls. */
function measure(call: () => unknown, rounds = 200, perRound = 1_000): Percentiles {
  for (let i = 0; i < 20 * perRound; i++) call(); // warm-up, so the JIT is not what we time
  const sample: number[] = [];
  for (let round = 0; round < rounds; round++) {
    const start = process.hrtime.bigint();
    for (let i = 0; i < perRound; i++) call();
    sample.push(Number(process.hrtime.bigint() - start) / perRound);
  }
  return percentiles(sample);
}

/**
 * What tracing costs a store call (a SQLite `get` by primary key): untraced as built without
 * an endpoint, through the span wrapper while tracing is off, and traced (SDK exporting to a
 * loopback sink, inside a request's span) for comparison.
 */
export async function benchTracing(): Promise<void> {
  const rows: Record<string, Percentiles> = {};
  // The wrapper's own cost, apart from SQLite's (which a loaded machine makes noisy).
  let calls = 0;
  const noop = () => (calls += 1);
  rows['no-op'] = measure(noop, 200, 10_000);
  rows['no-op, wrapper off'] = measure(
    () => traceStatementSync('sqlite', 'bench', 'SELECT 1', noop),
    200,
    10_000,
  );
  const bare = openSqlite(':memory:', migrations);
  const read = bare.prepare('SELECT content FROM envelopes WHERE id = ?');
  rows['get'] = measure(() => read.get('a'));
  rows['get, wrapper off'] = measure(() =>
    traceStatementSync('sqlite', 'bench', 'SELECT content FROM envelopes', () => read.get('a')),
  );

  const sink = createServer((request, response) => {
    request.resume();
    request.on('end', () => response.writeHead(200).end());
  });
  await new Promise<void>((resolve) => sink.listen(0, '127.0.0.1', resolve));
  const { port } = sink.address() as AddressInfo;
  const tracing = await startTracing({
    endpoint: `http://127.0.0.1:${port}`,
    protocol: 'http/protobuf',
    serviceName: 'guardyn-bench',
  });
  try {
    const traced = openSqlite(':memory:', migrations);
    const tracedRead = traced.prepare('SELECT content FROM envelopes WHERE id = ?');
    rows['get, traced, no trace'] = measure(() => tracedRead.get('a'));
    const request = trace.getTracer('bench').startSpan('request');
    rows['get, traced, in trace'] = context.with(trace.setSpan(context.active(), request), () =>
      measure(() => tracedRead.get('a'), 50),
    );
    request.end();
    traced.close();
  } finally {
    await tracing.stop();
    await new Promise<void>((resolve) => sink.close(() => resolve()));
    bare.close();
  }
  printTable('Store call with and without tracing (ns per call)', rows);
}
