import { afterEach, describe, expect, it } from '@jest/globals';
import { createLogger } from '../../shared/logging/index.js';
import { PushDispatcher, type PushJob } from './dispatcher.js';
import type { PushOutcome, PushProvider } from './push-provider.js';
import type { PushPlatform } from './store.js';

const logger = createLogger('silent', 'test');

/** A provider that answers from a script (then 'sent') and records when each send came. */
function scriptedProvider(platform: PushPlatform, script: PushOutcome[] = []) {
  const sends: { token: string; at: number }[] = [];
  let release: (() => void) | undefined;
  let gate: Promise<void> | undefined;
  const provider: PushProvider & { sends: typeof sends; hold(): void; letGo(): void } = {
    platform,
    sends,
    hold() {
      gate = new Promise((resolve) => (release = resolve));
    },
    letGo() {
      release?.();
      gate = undefined;
    },
    async sendWakeUp(token) {
      sends.push({ token, at: Date.now() });
      await gate;
      return script.shift() ?? { kind: 'sent' };
    },
    async close() {},
  };
  return provider;
}

const job = (overrides: Partial<PushJob> = {}): PushJob => ({
  userId: 'u1',
  deviceId: 1,
  platform: 'APNS',
  token: 'token-1',
  ...overrides,
});

async function until(condition: () => boolean, timeoutMs = 2_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('condition not reached');
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

describe('PushDispatcher', () => {
  let dispatcher: PushDispatcher | undefined;
  afterEach(() => dispatcher?.stop());

  function start(provider: PushProvider, invalid: PushJob[] = [], maxAttempts = 4) {
    dispatcher = new PushDispatcher(
      new Map([[provider.platform, provider]]),
      { tokenInvalid: async (failed) => void invalid.push(failed) },
      logger,
      { retry: { initialMs: 20, maxMs: 200, maxAttempts }, random: () => 0.5 },
    );
    return dispatcher;
  }

  it('retries with exponential backoff until the provider takes the push', async () => {
    const provider = scriptedProvider('APNS', [
      { kind: 'retry', reason: '503' },
      { kind: 'retry', reason: '429' },
    ]);
    await start(provider).dispatch(job());
    await until(() => provider.sends.length === 3);
    const [first, second, third] = provider.sends.map((send) => send.at);
    expect((second ?? 0) - (first ?? 0)).toBeGreaterThanOrEqual(18);
    expect((third ?? 0) - (second ?? 0)).toBeGreaterThanOrEqual(38);
  });

  it('waits as long as Retry-After says, when the provider says it', async () => {
    const provider = scriptedProvider('FCM', [{ kind: 'retry', reason: '429', retryAfterMs: 300 }]);
    await start(provider).dispatch(job({ platform: 'FCM' }));
    await until(() => provider.sends.length === 2);
    const [first, second] = provider.sends.map((send) => send.at);
    expect((second ?? 0) - (first ?? 0)).toBeGreaterThanOrEqual(295);
  });

  it('gives up after the last attempt, and at once on a permanent failure', async () => {
    const retrying = scriptedProvider(
      'APNS',
      Array.from({ length: 10 }, () => ({ kind: 'retry' as const, reason: '500' })),
    );
    await start(retrying, [], 3).dispatch(job());
    await new Promise((resolve) => setTimeout(resolve, 400));
    expect(retrying.sends).toHaveLength(3);
    await dispatcher?.stop();

    const refused = scriptedProvider('APNS', [{ kind: 'failed', reason: 'InvalidProviderToken' }]);
    await start(refused).dispatch(job());
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(refused.sends).toHaveLength(1);
  });

  it('reports an invalid token once and does not retry it', async () => {
    const provider = scriptedProvider('APNS', [{ kind: 'invalid-token', reason: 'Unregistered' }]);
    const invalid: PushJob[] = [];
    await start(provider, invalid).dispatch(job());
    await until(() => invalid.length === 1);
    expect(invalid[0]).toEqual(job());
    await new Promise((resolve) => setTimeout(resolve, 60));
    expect(provider.sends).toHaveLength(1);
  });

  it('keeps one push per device pending; a later job only brings the newer token', async () => {
    const provider = scriptedProvider('APNS', [{ kind: 'retry', reason: '503' }]);
    const running = start(provider);
    await running.dispatch(job());
    await running.dispatch(job({ token: 'token-2' }));
    await running.dispatch(job({ deviceId: 2 }));
    await until(() => provider.sends.length === 3);
    await new Promise((resolve) => setTimeout(resolve, 80));
    expect(provider.sends.map((send) => send.token)).toEqual(['token-1', 'token-1', 'token-2']);
  });

  it('cancels waiting retries when stopped', async () => {
    const provider = scriptedProvider('APNS', [
      { kind: 'retry', reason: '503', retryAfterMs: 10_000 },
    ]);
    const running = start(provider);
    await running.dispatch(job());
    await until(() => provider.sends.length === 1);
    await new Promise((resolve) => setTimeout(resolve, 30)); // now waiting for the retry
    const started = Date.now();
    await running.stop();
    expect(Date.now() - started).toBeLessThan(1_000);
    expect(provider.sends).toHaveLength(1);
  });

  it('holds dispatch while every send slot is busy', async () => {
    const provider = scriptedProvider('APNS');
    provider.hold();
    const running = new PushDispatcher(
      new Map([['APNS', provider]]),
      { tokenInvalid: async () => undefined },
      logger,
      { concurrency: 1 },
    );
    dispatcher = running;
    await running.dispatch(job());
    let accepted = false;
    const second = running.dispatch(job({ deviceId: 2 })).then(() => (accepted = true));
    await new Promise((resolve) => setTimeout(resolve, 30));
    expect(accepted).toBe(false);
    provider.letGo();
    await second;
    await until(() => provider.sends.length === 2);
  });

  it('computes backoff with jitter and a ceiling', () => {
    const running = start(scriptedProvider('APNS'));
    expect(running.retryDelayMs(1)).toBe(20);
    expect(running.retryDelayMs(3)).toBe(80);
    expect(running.retryDelayMs(10)).toBe(200);
    expect(running.retryDelayMs(1, 5_000)).toBe(5_000);
  });
});
