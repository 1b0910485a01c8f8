import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { connect, nanos, type KV, type KvEntry, type NatsConnection } from 'nats';
import { jetStreamErrorCode } from '../bus/nats-jetstream.js';
import { RateLimitedError } from '../errors/index.js';
import { backoffMs, fullJitter } from '../retry/index.js';
import { KeyedQueue } from './keyed-queue.js';
import { limiterKey } from './keys.js';
import {
  assertLimiterName,
  type RateLimiter,
  type RateLimiters,
  type RateLimitReservation,
} from './rate-limiter.js';
import type { RateLimit } from './sliding-window.js';
import { inWindow, retryAfterMs } from './window.js';

/** Options of {@link connectNatsRateLimiters}. */
export interface NatsRateLimitersOptions {
  /** Server URL(s), e.g. `nats://nats:4222`. */
  readonly url: string;
  /** The deployment's namespace (GUARDYN_MESSAGING__NATS_NAMESPACE): its buckets carry it. */
  readonly namespace?: string;
  /** Connection name shown by the server's monitoring. */
  readonly name?: string;
  /** The clock the windows are measured with (tests). @default Date.now */
  readonly now?: () => number;
  /** @default 20_000 */
  readonly connectTimeoutMs?: number;
}

/** The JetStream error of a write whose expected revision was not the key's last one. */
const wrongLastSequence = 10071;
/** Compare-and-set rounds before giving up (each after a short random pause). */
const maxAttempts = 60;
/** The pause between rounds: random, below 1 ms doubling up to 50 ms. */
const contentionBackoff = { initialMs: 1, maxMs: 50 };

/** One counted event in a key's value: when, and an id so that its reservation can give it back. */
type StoredEvent = [at: number, id: string];

/** The KV bucket of one limiter: `GUARDYN_RL[_<namespace>]_<name>` (stream `KV_<bucket>`). */
export function rateLimitBucketName(name: string, namespace?: string): string {
  return `GUARDYN_RL${namespace === undefined ? '' : `_${namespace}`}_${name}`;
}

/**
 * Limiters whose counters live in NATS JetStream key-value buckets, shared by every replica on
 * the same server and namespace. One bucket per limiter, with the rule's window as its TTL (a
 * key written last at t holds only events up to t, so it may go at t + window). A key's value is
 * the JSON list of its events in the window; every change is a compare-and-set on the key's
 * revision (`create` for a new key, `update` with the read revision otherwise), retried on
 * conflict, so two replicas can never both take the last slot. Calls for one key within this
 * process are queued, so the compare-and-sets only race other processes.
 */
export async function connectNatsRateLimiters(
  options: NatsRateLimitersOptions,
): Promise<RateLimiters> {
  const nc = await connect({
    servers: options.url,
    maxReconnectAttempts: -1,
    timeout: options.connectTimeoutMs ?? 20_000,
    ...(options.name === undefined ? {} : { name: options.name }),
  });
  const now = options.now ?? Date.now;
  return {
    limiter(name, rule) {
      assertLimiterName(name);
      return new NatsKvRateLimiter(nc, rateLimitBucketName(name, options.namespace), rule, now);
    },
    async close() {
      if (!nc.isClosed()) await nc.drain();
    },
  };
}

class NatsKvRateLimiter implements RateLimiter {
  private bucket: Promise<KV> | undefined;
  private readonly queue = new KeyedQueue();

  constructor(
    private readonly nc: NatsConnection,
    private readonly bucketName: string,
    private readonly rule: RateLimit,
    private readonly now: () => number,
  ) {}

  async reserve(key: string): Promise<RateLimitReservation> {
    const stored = limiterKey(key);
    const id = randomBytes(9).toString('base64url');
    await this.queue.run(stored, () =>
      this.change(stored, (events, at) => {
        if (events.length >= this.rule.limit) {
          const times = events.map(([time]) => time);
          throw new RateLimitedError(retryAfterMs(times, this.rule, at) / 1000);
        }
        return [...events, [at, id]];
      }),
    );
    let released = false;
    return {
      release: async () => {
        if (released) return;
        released = true;
        await this.queue.run(stored, () =>
          this.change(stored, (events) => events.filter(([, eventId]) => eventId !== id)),
        );
      },
    };
  }

  /** Reads the key's events in the window, applies `next`, and writes them back if unchanged. */
  private async change(
    key: string,
    next: (events: StoredEvent[], now: number) => StoredEvent[],
  ): Promise<void> {
    const kv = await this.kv();
    for (let attempt = 0; attempt < maxAttempts; attempt++) {
      const entry = await kv.get(key);
      const at = this.now();
      const current = inWindow(parseEvents(entry), ([time]) => time, this.rule, at);
      const wanted = next(current, at);
      if (entry === null && wanted.length === 0) return;
      try {
        const value = JSON.stringify(wanted);
        if (entry === null) await kv.create(key, value);
        else await kv.update(key, value, entry.revision);
        return;
      } catch (error) {
        if (jetStreamErrorCode(error) !== wrongLastSequence) throw error;
        // Another replica changed the key since we read it: read again.
        await sleep(fullJitter(backoffMs(contentionBackoff, attempt + 1)));
      }
    }
    throw new Error(`rate limiter ${this.bucketName}: too much contention on one key`);
  }

  /** Binds (creating if needed) the bucket once; a failure is retried on the next call. */
  private kv(): Promise<KV> {
    this.bucket ??= openBucket(this.nc, this.bucketName, this.rule.windowMs).catch(
      (error: unknown) => {
        this.bucket = undefined;
        throw error;
      },
    );
    return this.bucket;
  }
}

/** Opens the bucket and brings its TTL to the window when an earlier rule created it. */
async function openBucket(nc: NatsConnection, name: string, windowMs: number): Promise<KV> {
  const kv = await nc.jetstream().views.kv(name, { history: 1, ttl: windowMs });
  const status = await kv.status();
  if (status.ttl !== windowMs) {
    const jsm = await nc.jetstreamManager();
    await jsm.streams.update(status.streamInfo.config.name, { max_age: nanos(windowMs) });
  }
  return kv;
}

/** The events of an entry; a deleted, purged or unreadable value counts as none. */
function parseEvents(entry: KvEntry | null): StoredEvent[] {
  if (entry === null || entry.operation !== 'PUT') return [];
  let value: unknown;
  try {
    value = entry.json<unknown>();
  } catch {
    return [];
  }
  if (!Array.isArray(value)) return [];
  return value.filter(
    (event): event is StoredEvent =>
      Array.isArray(event) &&
      event.length === 2 &&
      typeof event[0] === 'number' &&
      typeof event[1] === 'string',
  );
}
