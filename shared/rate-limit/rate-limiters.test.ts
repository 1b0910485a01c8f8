/**
 * One contract for both RateLimiters backends: in memory, and NATS JetStream KV (skipped without a
 * NATS server, except under CI). The NATS side runs in a namespace of its own, deleted at the end.
 */
import { randomBytes } from 'node:crypto';
import { afterAll, describe, expect, it } from '@jest/globals';
import { RateLimitedError } from '../errors/index.js';
import { deleteNatsNamespace } from '../../test/support/nats-namespace.js';
import { natsTestUrl, probeNats } from '../../test/support/nats-probe.js';
import { connectNatsRateLimiters, memoryRateLimiters, SlidingWindowLimiter } from './index.js';
import type { RateLimiters } from './index.js';

/** A clock the tests move by hand. */
function manualClock(start = 1_000_000_000_000) {
  let now = start;
  return { now: () => now, advance: (ms: number) => (now += ms) };
}

const rule = { limit: 5, windowMs: 60_000 };

function describeRateLimitersContract(
  backend: string,
  open: (now: () => number) => Promise<RateLimiters>,
): void {
  describe(`RateLimiters contract: ${backend}`, () => {
    const opened: RateLimiters[] = [];
    const openTracked = async (now: () => number = Date.now) => {
      const limiters = await open(now);
      opened.push(limiters);
      return limiters;
    };
    afterAll(async () => {
      for (const limiters of opened) await limiters.close();
    });

    it('lets exactly `limit` of many concurrent reservations through', async () => {
      const limiter = (await openTracked()).limiter('concurrent', rule);
      const results = await Promise.allSettled(
        Array.from({ length: 30 }, () => limiter.reserve('victim')),
      );
      expect(results.filter((result) => result.status === 'fulfilled')).toHaveLength(5);
      for (const result of results) {
        if (result.status === 'rejected') {
          expect(result.reason).toBeInstanceOf(RateLimitedError);
          expect((result.reason as RateLimitedError).retryAfterSeconds).toBeGreaterThan(0);
        }
      }
    });

    it('gives a released reservation back, once', async () => {
      const limiter = (await openTracked()).limiter('release', rule);
      const reservations = await Promise.all(
        Array.from({ length: 5 }, () => limiter.reserve('key')),
      );
      await expect(limiter.reserve('key')).rejects.toBeInstanceOf(RateLimitedError);
      await reservations[0]?.release();
      await reservations[0]?.release();
      await limiter.reserve('key');
      await expect(limiter.reserve('key')).rejects.toBeInstanceOf(RateLimitedError);
    });

    it('frees slots as events leave the window, and keeps keys and limiters apart', async () => {
      const clock = manualClock();
      const limiters = await openTracked(clock.now);
      const limiter = limiters.limiter('window', rule);
      const other = limiters.limiter('window-other', rule);
      for (let i = 0; i < 5; i++) await limiter.reserve('key');
      await expect(limiter.reserve('key')).rejects.toMatchObject({ retryAfterSeconds: 60 });
      await limiter.reserve('another key');
      await other.reserve('key');
      clock.advance(30_000);
      await expect(limiter.reserve('key')).rejects.toMatchObject({ retryAfterSeconds: 30 });
      clock.advance(30_001);
      await limiter.reserve('key');
    });

    it('takes keys of any size and characters', async () => {
      const limiter = (await openTracked()).limiter('any-key', { limit: 1, windowMs: 60_000 });
      const huge = 'x.*> '.repeat(1024 * 1024);
      await limiter.reserve(huge);
      await expect(limiter.reserve(huge)).rejects.toBeInstanceOf(RateLimitedError);
      await limiter.reserve('');
    });
  });
}

describeRateLimitersContract('memory', async (now) => memoryRateLimiters({ now }));

const natsUnavailable = await probeNats();
if (natsUnavailable === undefined) {
  const namespace = `rl${randomBytes(6).toString('hex')}`;
  afterAll(() => deleteNatsNamespace(natsTestUrl, namespace));
  describeRateLimitersContract('NATS JetStream KV', (now) =>
    connectNatsRateLimiters({ url: natsTestUrl, namespace, now }),
  );

  describe('RateLimiters on NATS KV: across processes', () => {
    it('holds one limit for limiters of two connections (two replicas)', async () => {
      const [first, second] = await Promise.all([
        connectNatsRateLimiters({ url: natsTestUrl, namespace }),
        connectNatsRateLimiters({ url: natsTestUrl, namespace }),
      ]);
      try {
        const replicas = [first.limiter('replicas', rule), second.limiter('replicas', rule)];
        const results = await Promise.allSettled(
          Array.from({ length: 30 }, (_, i) => replicas[i % 2]?.reserve('shared') ?? null),
        );
        expect(results.filter((result) => result.status === 'fulfilled')).toHaveLength(5);
      } finally {
        await Promise.all([first.close(), second.close()]);
      }
    });
  });
} else {
  process.stderr.write(`rate-limiters.test: skipping the NATS backend: ${natsUnavailable}\n`);
  describe.skip('RateLimiters contract: NATS JetStream KV', () => {
    it.skip(natsUnavailable, () => undefined);
  });
}

describe('SlidingWindowLimiter memory bound', () => {
  it('holds at most maxKeys keys, evicting fresh keys before ones at their limit', () => {
    const limiter = new SlidingWindowLimiter({ limit: 3, windowMs: 60_000 }, Date.now, {
      maxKeys: 100,
    });
    for (let i = 0; i < 3; i++) limiter.take('victim');
    expect(() => limiter.check('victim')).toThrow(RateLimitedError);
    // An attacker cycles 10 000 fresh keys through the limiter, one event each.
    for (let i = 0; i < 10_000; i++) limiter.take(`attacker-${i}`);
    expect(limiter.size).toBeLessThanOrEqual(100);
    expect(() => limiter.check('victim')).toThrow(RateLimitedError);
  });

  it('keeps its synchronous take/check/record/reset', () => {
    const clock = manualClock();
    const limiter = new SlidingWindowLimiter({ limit: 2, windowMs: 1000 }, clock.now);
    limiter.record('k');
    limiter.take('k');
    expect(() => limiter.take('k')).toThrow(RateLimitedError);
    limiter.reset('k');
    limiter.check('k');
    limiter.take('k');
    limiter.take('k');
    clock.advance(1001);
    limiter.take('k');
  });
});
