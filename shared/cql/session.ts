import cassandra from 'cassandra-driver';
import type { Logger } from '../logging/index.js';
import { backoffMs } from '../retry/index.js';
import { traceStatement } from '../tracing/index.js';
import { CqlQueryError, CqlUnavailableError, describeError } from './errors.js';

export type ResultSet = cassandra.types.ResultSet;
export type Row = cassandra.types.Row;
export const consistency = cassandra.types.consistencies;

/** Per-statement options; the defaults are the session's (LOCAL_QUORUM, LOCAL_SERIAL, prepared). */
export interface StatementOptions {
  /** Override, e.g. `consistency.localSerial` to read the outcome of a lightweight transaction. */
  readonly consistency?: number;
  readonly fetchSize?: number;
  readonly pageState?: string;
  /**
   * Safe to retry on another node after a timeout; default true. Lightweight transactions are
   * not: `conditional()` sets false.
   */
  readonly idempotent?: boolean;
  /** Client-side limit for this statement; default the session's `requestTimeoutMs`. */
  readonly timeoutMs?: number;
}

/** One statement of a batch. */
export interface BatchStatement {
  readonly query: string;
  readonly params: readonly unknown[];
}

/** Runs CQL; implemented by a connected session (and handed to the migrations while it connects). */
export interface CqlExecutor {
  execute(
    query: string,
    params?: readonly unknown[],
    options?: StatementOptions,
  ): Promise<ResultSet>;
  /**
   * A batch: `logged` (all statements eventually apply or none, across partitions) or not (only
   * for statements of one partition, which Cassandra applies atomically anyway). A batch with
   * conditions must stay within one partition of one table.
   */
  batch(
    statements: readonly BatchStatement[],
    options: { readonly logged: boolean; readonly idempotent?: boolean },
  ): Promise<ResultSet>;
}

export interface CqlSessionOptions {
  /** `host:port` contact points. */
  readonly nodes: readonly string[];
  readonly localDataCenter: string;
  /** Names the session in logs and errors (e.g. the subgraph). */
  readonly name: string;
  readonly logger: Logger;
  /**
   * Runs after each successful connection, before the session is ready (the keyspace migrations).
   * When it throws, the connection is dropped and retried like a failed connection.
   */
  readonly prepare?: (executor: CqlExecutor) => Promise<void>;
  /** Default 5 000 ms. */
  readonly connectTimeoutMs?: number;
  /**
   * Client-side limit per request; default 12 000 ms, above the server's own timeouts (2 s for
   * writes, 5 s for reads in Cassandra's defaults) so that the server's answer is seen first.
   */
  readonly requestTimeoutMs?: number;
  /**
   * Wait before the first reconnection attempt, doubled up to `maxRetryDelayMs`; default 500 ms.
   * Both the session's first connection and the driver's reconnection to a node that dropped
   * follow it.
   */
  readonly initialRetryDelayMs?: number;
  /**
   * Longest wait between reconnection attempts; default 2 000 ms. The driver sends no statement
   * to a node it marked down and only its schedule brings the node back, so this bounds how long
   * statements keep failing after the node answers again.
   */
  readonly maxRetryDelayMs?: number;
}

type State =
  | { readonly kind: 'connecting'; readonly attempts: number; readonly lastError: string | null }
  | { readonly kind: 'ready'; readonly client: cassandra.Client }
  | { readonly kind: 'closed' };

/**
 * A connection to a CQL cluster (ScyllaDB or Cassandra) that never crash-loops: it connects in the
 * background, retrying with exponential backoff while the cluster is unreachable, and only then runs
 * `prepare` (the migrations). Until it is ready, every statement and `ping()` fail at once with a
 * CqlUnavailableError that gives the reason, so `/health` reports not ready.
 *
 * Statements are prepared, run at LOCAL_QUORUM with LOCAL_SERIAL for lightweight transactions,
 * and a failure reaches the caller as a CqlQueryError carrying the driver's error as its cause.
 */
export class CqlSession implements CqlExecutor {
  private state: State = { kind: 'connecting', attempts: 0, lastError: null };
  private readonly waiters = new Set<() => void>();
  private retryTimer: NodeJS.Timeout | undefined;
  private wakeRetry: (() => void) | undefined;
  private readonly connectLoop: Promise<void>;

  private constructor(private readonly options: CqlSessionOptions) {
    this.connectLoop = this.connectUntilReady();
  }

  /** Starts connecting in the background and returns at once. */
  static open(options: CqlSessionOptions): CqlSession {
    if (options.nodes.length === 0) throw new Error('a CQL session needs at least one node');
    return new CqlSession(options);
  }

  /** Resolves once connected and prepared; rejects with the reason after `timeoutMs` or on close. */
  async ready(timeoutMs = 60_000): Promise<void> {
    if (this.state.kind === 'ready') return;
    if (this.state.kind === 'closed') throw this.unavailable();
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiters.delete(done);
        reject(this.unavailable());
      }, timeoutMs);
      const done = () => {
        clearTimeout(timer);
        this.waiters.delete(done);
        if (this.state.kind === 'ready') resolve();
        else reject(this.unavailable());
      };
      this.waiters.add(done);
    });
  }

  get isReady(): boolean {
    return this.state.kind === 'ready';
  }

  /** Connection attempts so far and the last failure, while not ready (for logs and tests). */
  get connecting(): { readonly attempts: number; readonly lastError: string | null } | null {
    return this.state.kind === 'connecting'
      ? { attempts: this.state.attempts, lastError: this.state.lastError }
      : null;
  }

  /** Readiness for /health: throws CqlUnavailableError (with the reason) unless a node answers. */
  async ping(): Promise<void> {
    await this.execute('SELECT release_version FROM system.local');
  }

  async execute(
    query: string,
    params: readonly unknown[] = [],
    options: StatementOptions = {},
  ): Promise<ResultSet> {
    const client = this.client();
    return traceStatement('cassandra', this.options.name, query, () =>
      run(client, query, params, options, this.options.requestTimeoutMs),
    );
  }

  /** The first row of a statement's answer, or null when it has none. */
  async first(
    query: string,
    params?: readonly unknown[],
    options?: StatementOptions,
  ): Promise<Row | null> {
    return (await this.execute(query, params, options)).first();
  }

  async batch(
    statements: readonly BatchStatement[],
    options: { readonly logged: boolean; readonly idempotent?: boolean },
  ): Promise<ResultSet> {
    const client = this.client();
    return traceStatement(
      'cassandra',
      this.options.name,
      statements[0]?.query ?? 'BATCH',
      () => runBatch(client, statements, options, this.options.requestTimeoutMs),
      { 'db.operation.batch.size': statements.length },
    );
  }

  /** Stops reconnecting and closes the connection; statements fail afterwards. */
  async close(): Promise<void> {
    const previous = this.state;
    this.state = { kind: 'closed' };
    clearTimeout(this.retryTimer);
    this.wakeRetry?.();
    for (const waiter of [...this.waiters]) waiter();
    await this.connectLoop;
    if (previous.kind === 'ready') await previous.client.shutdown();
  }

  private client(): cassandra.Client {
    if (this.state.kind === 'ready') return this.state.client;
    throw this.unavailable();
  }

  private unavailable(): CqlUnavailableError {
    const where = `${this.options.name}: CQL nodes ${this.options.nodes.join(', ')}`;
    if (this.state.kind === 'closed') return new CqlUnavailableError(`${where}: session closed`);
    if (this.state.kind === 'ready') return new CqlUnavailableError(`${where}: ready`);
    const reason = this.state.lastError ?? 'first connection attempt in progress';
    return new CqlUnavailableError(
      `${where} not ready after ${this.state.attempts} attempt(s): ${reason}`,
    );
  }

  private newClient(): cassandra.Client {
    const client = new cassandra.Client({
      contactPoints: [...this.options.nodes],
      localDataCenter: this.options.localDataCenter,
      queryOptions: {
        consistency: consistency.localQuorum,
        serialConsistency: consistency.localSerial,
        prepare: true,
        fetchSize: 500,
      },
      socketOptions: {
        connectTimeout: this.options.connectTimeoutMs ?? 5_000,
        readTimeout: this.options.requestTimeoutMs ?? 12_000,
      },
      encoding: { useBigIntAsLong: true, useUndefinedAsUnset: true },
      policies: {
        // Server-side write timestamps: a coordinator orders its plain writes and its Paxos
        // ballots on one clock, so a row deleted and re-created through a lightweight transaction
        // a moment later is not shadowed by a client clock running ahead. The driver documents
        // null for this; its type declarations do not admit it.
        timestampGeneration:
          null as unknown as cassandra.policies.timestampGeneration.TimestampGenerator,
        reconnection: reconnectionPolicy(this.options),
      },
    });
    // The session logs each failed attempt itself; the driver's own account is for debugging.
    client.on('log', (level: string, origin: string, message: string) => {
      if (level === 'warning' || level === 'error')
        this.options.logger.debug({ origin, cql: this.options.name }, message);
    });
    return client;
  }

  private async connectUntilReady(): Promise<void> {
    const backoff = retryBackoff(this.options);
    const { logger, name } = this.options;
    while (this.state.kind === 'connecting') {
      const attempts = this.state.attempts + 1;
      const client = this.newClient();
      try {
        await client.connect();
        await this.options.prepare?.({
          execute: (query, params = [], options = {}) =>
            run(client, query, params, options, this.options.requestTimeoutMs),
          batch: (statements, options) =>
            runBatch(client, statements, options, this.options.requestTimeoutMs),
        });
        if (this.state.kind !== 'connecting') {
          await client.shutdown();
          return;
        }
        this.state = { kind: 'ready', client };
        logger.info({ cql: name, nodes: this.options.nodes, attempts }, 'CQL session ready');
      } catch (error) {
        await client.shutdown().catch(() => undefined);
        if (this.state.kind !== 'connecting') return;
        const lastError = describeError(error);
        this.state = { kind: 'connecting', attempts, lastError };
        const delay = backoffMs(backoff, attempts);
        logger.warn(
          { cql: name, err: error, attempts, retryInMs: delay },
          `CQL not ready, retrying: ${lastError}`,
        );
        await new Promise<void>((resolve) => {
          this.wakeRetry = resolve;
          this.retryTimer = setTimeout(resolve, delay);
        });
      }
    }
    for (const waiter of [...this.waiters]) waiter();
  }
}

/** The session's reconnection backoff: `initialRetryDelayMs` doubling up to `maxRetryDelayMs`. */
function retryBackoff(
  options: Pick<CqlSessionOptions, 'initialRetryDelayMs' | 'maxRetryDelayMs'>,
): { initialMs: number; maxMs: number } {
  return {
    initialMs: options.initialRetryDelayMs ?? 500,
    maxMs: options.maxRetryDelayMs ?? 2_000,
  };
}

/**
 * The driver's schedule for reconnecting to a node it marked down. Its own default grows to
 * 10 minutes (ours was 60 s): a query attempt does not wake it (`RequestHandler` skips hosts
 * that are not `isUp()`), so with one contact point every statement failed until the next
 * scheduled attempt, long after the node answered again.
 */
export function reconnectionPolicy(
  options: Pick<CqlSessionOptions, 'initialRetryDelayMs' | 'maxRetryDelayMs'>,
): cassandra.policies.reconnection.ExponentialReconnectionPolicy {
  const { initialMs, maxMs } = retryBackoff(options);
  return new cassandra.policies.reconnection.ExponentialReconnectionPolicy(initialMs, maxMs);
}

async function run(
  client: cassandra.Client,
  query: string,
  params: readonly unknown[],
  options: StatementOptions,
  requestTimeoutMs: number | undefined,
): Promise<ResultSet> {
  try {
    return await client.execute(query, params.map(toDriverValue), {
      prepare: true,
      isIdempotent: options.idempotent ?? true,
      ...(options.consistency === undefined ? {} : { consistency: options.consistency }),
      ...(options.fetchSize === undefined ? {} : { fetchSize: options.fetchSize }),
      ...(options.pageState === undefined ? {} : { pageState: options.pageState }),
      ...((options.timeoutMs ?? requestTimeoutMs) === undefined
        ? {}
        : { readTimeout: options.timeoutMs ?? requestTimeoutMs }),
    });
  } catch (error) {
    throw new CqlQueryError(statementName(query), error);
  }
}

async function runBatch(
  client: cassandra.Client,
  statements: readonly BatchStatement[],
  options: { readonly logged: boolean; readonly idempotent?: boolean },
  requestTimeoutMs: number | undefined,
): Promise<ResultSet> {
  try {
    return await client.batch(
      statements.map((statement) => ({
        query: statement.query,
        params: statement.params.map(toDriverValue),
      })),
      {
        prepare: true,
        logged: options.logged,
        isIdempotent: options.idempotent ?? true,
        ...(requestTimeoutMs === undefined ? {} : { readTimeout: requestTimeoutMs }),
      },
    );
  } catch (error) {
    const first = statements[0]?.query ?? '';
    throw new CqlQueryError(`batch of ${statements.length}: ${statementName(first)}`, error);
  }
}

/** The driver encodes blobs from Buffers only; the stores speak Uint8Array. */
function toDriverValue(value: unknown): unknown {
  if (value instanceof Uint8Array && !Buffer.isBuffer(value)) {
    return Buffer.from(value.buffer, value.byteOffset, value.byteLength);
  }
  return value;
}

/** The statement's text on one line, short enough for a log message. */
function statementName(query: string): string {
  const line = query.replace(/\s+/g, ' ').trim();
  return line.length > 120 ? `${line.slice(0, 117)}...` : line;
}
