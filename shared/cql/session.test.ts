/**
 * The CQL session's failure behaviour: no crash loop while the cluster is unreachable (readiness
 * says why), and a statement that times out surfaces as an INTERNAL error with its cause. The
 * second part needs a CQL node (GUARDYN_DATABASE__SCYLLADB_NODES); without one it is skipped,
 * except under CI.
 */
import { connect, createServer, type Server, type Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { GraphQLFormattedError } from 'graphql';
import { formatClientError } from '../errors/index.js';
import { createLogger } from '../logging/index.js';
import { CqlQueryError, CqlSession, CqlUnavailableError, isUnknownWriteOutcome } from './index.js';
import { reconnectionPolicy } from './session.js';
import type { GuardynConfig } from '../config/index.js';
import { cqlTestTarget } from './testing.js';

const logger = createLogger('silent', 'cql-session-test');

async function until(
  condition: () => boolean,
  timeoutMs = 10_000,
  probe?: () => Promise<void>,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    await probe?.();
    if (condition()) return;
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

describe('the reconnection schedule', () => {
  it('waits at most maxRetryDelayMs (default 2 s) between attempts, however long the outage', () => {
    const delays = (policy: ReturnType<typeof reconnectionPolicy>, count: number) => {
      const schedule = policy.newSchedule();
      return Array.from({ length: count }, () => Number(schedule.next().value));
    };
    const byDefault = delays(reconnectionPolicy({}), 100);
    expect(Math.max(...byDefault)).toBeLessThanOrEqual(2_000);
    expect(byDefault[0]).toBeGreaterThanOrEqual(500);
    expect(
      Math.max(...delays(reconnectionPolicy({ maxRetryDelayMs: 300 }), 50)),
    ).toBeLessThanOrEqual(300);
  });
});

describe('CqlSession against an unreachable cluster', () => {
  // A loopback port that was free a moment ago: connections to it are refused.
  let port = 0;
  beforeAll(async () => {
    const server: Server = createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const address = server.address();
    port = typeof address === 'object' && address ? address.port : 0;
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });

  it('keeps retrying with backoff, and reports not ready with the reason until closed', async () => {
    const session = CqlSession.open({
      nodes: [`127.0.0.1:${port}`],
      localDataCenter: 'datacenter1',
      name: 'test',
      logger,
      initialRetryDelayMs: 20,
      maxRetryDelayMs: 100,
    });
    try {
      await until(() => (session.connecting?.attempts ?? 0) >= 3);
      expect(session.isReady).toBe(false);
      const failure = await session.ping().catch((error: unknown) => error);
      expect(failure).toBeInstanceOf(CqlUnavailableError);
      expect(String((failure as Error).message)).toMatch(
        new RegExp(
          `test: CQL nodes 127\\.0\\.0\\.1:${port} not ready after \\d+ attempt\\(s\\): .*ECONNREFUSED`,
        ),
      );
      await expect(session.execute('SELECT now() FROM system.local')).rejects.toBeInstanceOf(
        CqlUnavailableError,
      );
      await expect(session.ready(50)).rejects.toBeInstanceOf(CqlUnavailableError);
    } finally {
      await session.close();
    }
    expect(session.connecting).toBeNull();
    await expect(session.ping()).rejects.toThrow('session closed');
  });
});

/**
 * A TCP proxy to `hostPort` whose answers can be held back (frozen) and then let through, and
 * which can go away (connections cut, port refusing) and come back on the same port: an outage
 * of the node without touching the shared node itself.
 */
interface FreezableProxy {
  readonly port: number;
  freeze(): void;
  thaw(): void;
  goAway(): Promise<void>;
  comeBack(): Promise<void>;
  close(): Promise<void>;
}

async function startProxy(hostPort: string): Promise<FreezableProxy> {
  const [host = '127.0.0.1', port = '9042'] = hostPort.split(':');
  let frozen = false;
  const held: (() => void)[] = [];
  const sockets = new Set<Socket>();
  const server = createServer((client) => {
    const upstream = connect(Number(port), host);
    for (const socket of [client, upstream]) {
      sockets.add(socket);
      socket.on('error', () => undefined);
      socket.on('close', () => {
        sockets.delete(socket);
        client.destroy();
        upstream.destroy();
      });
    }
    client.on('data', (data) => upstream.write(data));
    upstream.on('data', (data) => {
      if (frozen) held.push(() => client.write(data));
      else client.write(data);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  const proxyPort = typeof address === 'object' && address ? address.port : 0;
  const close = () =>
    new Promise<void>((resolve) => {
      for (const socket of sockets) socket.destroy();
      if (!server.listening) resolve();
      else server.close(() => resolve());
    });
  return {
    port: proxyPort,
    freeze: () => {
      frozen = true;
    },
    thaw: () => {
      frozen = false;
      for (const write of held.splice(0)) write();
    },
    goAway: close,
    comeBack: () =>
      new Promise<void>((resolve, reject) => {
        server.once('error', reject);
        server.listen(proxyPort, '127.0.0.1', () => {
          server.off('error', reject);
          resolve();
        });
      }),
    close,
  };
}

const target = await cqlTestTarget('session');

/** A session through a proxy of its own to the test node, open for the tests of one block. */
function proxiedSession(database: GuardynConfig['database'], name: string) {
  const live = {} as { proxy: FreezableProxy; session: CqlSession };
  beforeAll(async () => {
    live.proxy = await startProxy(database.scyllaNodes[0] ?? '127.0.0.1:9042');
    live.session = CqlSession.open({
      nodes: [`127.0.0.1:${live.proxy.port}`],
      localDataCenter: database.scyllaLocalDataCenter,
      name,
      logger,
    });
    await live.session.ready(30_000);
  });
  afterAll(async () => {
    live.proxy.thaw();
    await live.session.close();
    await live.proxy.close();
  });
  return live;
}

describe('CqlSession against a CQL node', () => {
  if (!target.available) {
    process.stderr.write(`cql session: skipping the live part: ${target.reason}\n`);
    it.skip(target.reason, () => undefined);
    return;
  }
  // Through a proxy that can hold the node's answers back: a timeout on demand.
  const live = proxiedSession(target.database, 'test');

  it('answers ping once connected', async () => {
    await expect(live.session.ping()).resolves.toBeUndefined();
  });

  it('turns a statement timeout into SERVICE_UNAVAILABLE, logged with its cause', async () => {
    const query = 'SELECT * FROM system_schema.columns';
    await live.session.execute(query); // prepared now: the timeout below is the execution's own
    live.proxy.freeze();
    const failure = await live.session
      .execute(query, [], { timeoutMs: 300, idempotent: false })
      .catch((error: unknown) => error);
    live.proxy.thaw();
    expect(failure).toBeInstanceOf(CqlQueryError);
    expect((failure as CqlQueryError).message).toContain('SELECT * FROM system_schema.columns');
    expect(isUnknownWriteOutcome(failure)).toBe(true);

    const hidden: unknown[] = [];
    const formatted = formatClientError(
      { message: (failure as Error).message } satisfies GraphQLFormattedError,
      failure,
      (error) => hidden.push(error),
    );
    // The node did not answer: a retry may succeed, so clients are told so, without details.
    expect(formatted).toMatchObject({
      message: 'A store did not answer; retry shortly',
      extensions: { code: 'SERVICE_UNAVAILABLE' },
    });
    expect(hidden).toEqual([failure]);
    expect((hidden[0] as Error).cause).toBeInstanceOf(Error);
  });
});

describe('CqlSession through an outage of its node', () => {
  if (!target.available) {
    it.skip(target.reason, () => undefined);
    return;
  }
  const live = proxiedSession(target.database, 'outage-test');

  it('reports a statement whose connection closed under it as transient, its outcome unknown', async () => {
    const query = 'SELECT * FROM system_schema.columns';
    await live.session.execute(query);
    // Written to the node, then the node goes away before answering (as a SIGKILL does): the
    // driver does not retry a non-idempotent statement and hands back its socket error.
    live.proxy.freeze();
    const pending = live.session
      .execute(query, [], { timeoutMs: 10_000, idempotent: false })
      .catch((error: unknown) => error);
    await new Promise((resolve) => setTimeout(resolve, 100));
    await live.proxy.goAway();
    live.proxy.thaw();
    const failure = await pending;
    expect(failure).toBeInstanceOf(CqlQueryError);
    expect((failure as CqlQueryError).transient).toBe(true);
    expect(isUnknownWriteOutcome(failure)).toBe(true);
    const formatted = formatClientError(
      { message: (failure as Error).message } satisfies GraphQLFormattedError,
      failure,
      () => undefined,
    );
    expect(formatted.extensions).toEqual({ code: 'SERVICE_UNAVAILABLE' });
    await live.proxy.comeBack();
    await until(
      () => live.session.isReady,
      15_000,
      async () => void (await live.session.ping().catch(() => undefined)),
    );
  });

  it('answers again once the node comes back after an outage', async () => {
    await live.proxy.goAway();
    const during = await live.session.ping().catch((error: unknown) => error);
    expect(during).toBeInstanceOf(CqlQueryError);
    await live.proxy.comeBack();
    // Its reconnection schedule (at most 2 s apart) brings the node back; no restart needed.
    let answered = false;
    await until(
      () => answered,
      15_000,
      async () => {
        answered = await live.session.ping().then(
          () => true,
          () => false,
        );
      },
    );
    expect(live.session.isReady).toBe(true);
  });
});
