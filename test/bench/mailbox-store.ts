import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { mapLimited } from '../../shared/cql/index.js';
import { cqlTestTarget, dropTestKeyspaces } from '../../shared/cql/testing.js';
import { uuid7 } from '../../shared/ids/index.js';
import { createLogger } from '../../shared/logging/index.js';
import { ScyllaMessagingStore } from '../../subgraphs/messaging/store.scylla/index.js';
import { SqliteMessagingStore } from '../../subgraphs/messaging/store.sqlite/index.js';
import type {
  EnvelopeRecord,
  MailboxPage,
  MessagingStore,
} from '../../subgraphs/messaging/store.js';
import { percentiles, printTable, type Percentiles } from './stats.js';

export interface MailboxWorkload {
  /** Envelopes written, one `storeEnvelopes` call each, spread evenly over the devices. */
  readonly envelopes: number;
  readonly devices: number;
  readonly contentBytes: number;
  /** Writes in flight at once (a subgraph serves many senders at a time). */
  readonly concurrency: number;
  readonly pageSize: number;
}

export const defaultMailboxWorkload: MailboxWorkload = {
  envelopes: 2_000,
  devices: 50,
  contentBytes: 512,
  concurrency: 16,
  pageSize: 100,
};

interface Result {
  readonly writeMs: Percentiles;
  readonly writesPerSecond: number;
  readonly pageMs: Percentiles;
  readonly readsPerSecond: number;
}

async function timed<T>(samples: number[], run: () => Promise<T>): Promise<T> {
  const start = performance.now();
  try {
    return await run();
  } finally {
    samples.push(performance.now() - start);
  }
}

/** Writes the workload's envelopes, then reads every mailbox to its end, page by page. */
async function runWorkload(store: MessagingStore, workload: MailboxWorkload): Promise<Result> {
  const users = Array.from({ length: workload.devices }, () => randomUUID());
  const content = new Uint8Array(randomBytes(workload.contentBytes));
  const now = new Date();
  const envelopes = Array.from({ length: workload.envelopes }, (_, i): EnvelopeRecord => ({
    id: uuid7(),
    messageId: uuid7(),
    recipientUserId: users[i % users.length] as string,
    recipientDeviceId: 1,
    type: 'SIGNAL_MESSAGE',
    senderUserId: randomUUID(),
    senderDeviceId: 1,
    conversationId: null,
    content,
    serverTimestamp: now,
    expiresAt: new Date(now.getTime() + 24 * 3600_000),
    receiptRequested: false,
  }));

  const writeSamples: number[] = [];
  const writeStart = performance.now();
  await mapLimited(envelopes, workload.concurrency, (envelope) =>
    timed(writeSamples, () => store.storeEnvelopes([envelope])),
  );
  const writeSeconds = (performance.now() - writeStart) / 1000;

  const pageSamples: number[] = [];
  let read = 0;
  const readStart = performance.now();
  for (const user of users) {
    let cursor: string | null = null;
    for (;;) {
      const after: string | null = cursor;
      const page: MailboxPage = await timed(pageSamples, () =>
        store.readMailbox(user, 1, after, workload.pageSize, new Date()),
      );
      read += page.envelopes.length;
      cursor = page.cursor;
      if (!page.hasMore) break;
    }
  }
  const readSeconds = (performance.now() - readStart) / 1000;
  if (read !== workload.envelopes)
    throw new Error(`read ${read} of ${workload.envelopes} envelopes`);
  return {
    writeMs: percentiles(writeSamples),
    writesPerSecond: workload.envelopes / writeSeconds,
    pageMs: percentiles(pageSamples),
    readsPerSecond: read / readSeconds,
  };
}

/**
 * Mailbox writes and reads on the SQLite store and on the ScyllaDB store (against
 * GUARDYN_DATABASE__SCYLLADB_NODES, default 127.0.0.1:9042, in a keyspace of its own that is
 * dropped afterwards), with the same workload; prints latency percentiles, throughput and the
 * Cassandra/SQLite ratios.
 */
export async function benchMailboxStore(workload = defaultMailboxWorkload): Promise<void> {
  const directory = mkdtempSync(path.join(tmpdir(), 'guardyn-bench-'));
  const sqlite = new SqliteMessagingStore(path.join(directory, 'messaging.sqlite'));
  let sqliteResult: Result;
  try {
    sqliteResult = await runWorkload(sqlite, workload);
  } finally {
    await sqlite.close();
    rmSync(directory, { recursive: true, force: true });
  }

  const target = await cqlTestTarget('bench', {
    ...process.env,
    GUARDYN_DATABASE__SCYLLADB_NODES:
      process.env['GUARDYN_DATABASE__SCYLLADB_NODES'] ?? '127.0.0.1:9042',
  });
  let cqlResult: Result | undefined;
  if (target.available) {
    const store = ScyllaMessagingStore.open({
      database: target.database,
      logger: createLogger('warn', 'bench'),
      sentRecordRetentionMs: 24 * 3600_000,
    });
    try {
      await store.ready(60_000);
      cqlResult = await runWorkload(store, workload);
    } finally {
      await store.close();
      await dropTestKeyspaces(target.database);
    }
  } else {
    console.log(`\nmailbox: Cassandra/ScyllaDB part skipped: ${target.reason}`);
  }

  const title = `${workload.envelopes} envelopes of ${workload.contentBytes} B to ${workload.devices} devices, ${workload.concurrency} writes in flight; reads in pages of ${workload.pageSize}`;
  printTable(`mailbox write, one envelope per call (ms): ${title}`, {
    sqlite: sqliteResult.writeMs,
    ...(cqlResult ? { cassandra: cqlResult.writeMs } : {}),
  });
  printTable(`mailbox read, one page per call (ms)`, {
    sqlite: sqliteResult.pageMs,
    ...(cqlResult ? { cassandra: cqlResult.pageMs } : {}),
  });
  const rate = (value: number) => `${Math.round(value).toLocaleString('en-US')}/s`;
  console.log('\nthroughput (envelopes per second)');
  console.log(
    `  sqlite     write ${rate(sqliteResult.writesPerSecond)}, read ${rate(sqliteResult.readsPerSecond)}`,
  );
  if (cqlResult) {
    console.log(
      `  cassandra  write ${rate(cqlResult.writesPerSecond)}, read ${rate(cqlResult.readsPerSecond)}`,
    );
    const ratio = (a: number, b: number) => `${(a / b).toFixed(2)}×`;
    console.log('\ncassandra / sqlite');
    console.log(
      `  write throughput ${ratio(cqlResult.writesPerSecond, sqliteResult.writesPerSecond)}, p50 ${ratio(cqlResult.writeMs.p50, sqliteResult.writeMs.p50)}, p99 ${ratio(cqlResult.writeMs.p99, sqliteResult.writeMs.p99)}`,
    );
    console.log(
      `  read throughput  ${ratio(cqlResult.readsPerSecond, sqliteResult.readsPerSecond)}, p50 ${ratio(cqlResult.pageMs.p50, sqliteResult.pageMs.p50)}, p99 ${ratio(cqlResult.pageMs.p99, sqliteResult.pageMs.p99)}`,
    );
  }
}
