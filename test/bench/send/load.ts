import { randomBytes } from 'node:crypto';
import { Pool } from 'undici';
import { sendMessageMutation } from '../../support/messaging-client.js';
import { percentiles } from '../stats.js';
import type { SendAccounts, SendTarget } from './accounts.js';

/** What one window of sends measured. */
export interface SendWindow {
  readonly sends: number;
  readonly perSecond: number;
  readonly p50: number;
  readonly p99: number;
  readonly errors: number;
  /** The first error seen, to tell a limit from a fault. */
  readonly firstError: string | undefined;
}

const runId = randomBytes(4).toString('hex');
let sequence = 0;

/** A fresh clientMessageId each send, so none is answered from the idempotency record. */
function sendBody(target: SendTarget): string {
  sequence += 1;
  return JSON.stringify({
    query: sendMessageMutation,
    variables: {
      input: {
        recipientId: target.recipientId,
        clientMessageId: `bench-${runId}-${sequence}`,
        deliveryReceipts: false,
        envelopes: target.envelopes,
      },
    },
  });
}

/**
 * `count` sendMessage calls to `url` (the gateway or the messaging subgraph), `connections` in
 * flight on as many keep-alive connections, connection i as sender i mod senders.
 */
export async function runSends(
  url: string,
  accounts: SendAccounts,
  target: SendTarget,
  connections: number,
  count: number,
): Promise<SendWindow> {
  const { origin, pathname } = new URL(url);
  const pool = new Pool(origin, { connections, pipelining: 1 });
  const latencies: number[] = [];
  let issued = 0;
  let errors = 0;
  let firstError: string | undefined;
  const fail = (message: string) => {
    errors += 1;
    firstError ??= message;
  };
  const worker = async (index: number) => {
    const token = accounts.senderTokens[index % accounts.senderTokens.length];
    while (issued < count) {
      issued += 1;
      const body = sendBody(target);
      const started = performance.now();
      try {
        const response = await pool.request({
          method: 'POST',
          path: pathname,
          headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
          body,
        });
        const text = await response.body.text();
        latencies.push(performance.now() - started);
        const parsed = JSON.parse(text) as { errors?: { extensions?: { code?: string } }[] };
        if (response.statusCode !== 200 || parsed.errors?.length) {
          fail(`${response.statusCode} ${text.slice(0, 300)}`);
        }
      } catch (error) {
        fail(String(error));
      }
    }
  };
  const started = performance.now();
  await Promise.all(Array.from({ length: connections }, (_, index) => worker(index)));
  const seconds = (performance.now() - started) / 1000;
  await pool.close();
  const { p50, p99 } = percentiles(latencies);
  return { sends: count, perSecond: count / seconds, p50, p99, errors, firstError };
}
