import { describe, expect, it } from '@jest/globals';
import { createLogger } from '../../shared/logging/index.js';
import { PushDispatcher, type PushJob } from './dispatcher.js';
import type { PushOutcome, PushProvider } from './push-provider.js';
import type { PushPlatform } from './store.js';

const logger = createLogger('silent', 'test');

/** A provider that answers from a script (then 'sent') and records each send. */
function scriptedProvider(platform: PushPlatform, script: PushOutcome[] = []) {
  const sends: string[] = [];
  const provider: PushProvider & { sends: typeof sends } = {
    platform,
    sends,
    async sendWakeUp(token) {
      sends.push(token);
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

describe('PushDispatcher', () => {
  function start(provider: PushProvider, invalid: PushJob[] = [], maxAttempts = 4) {
    return new PushDispatcher(
      new Map([[provider.platform, provider]]),
      { tokenInvalid: async (failed) => void invalid.push(failed) },
      logger,
      { retry: { initialMs: 20, maxMs: 200, maxAttempts }, random: () => 0.5 },
    );
  }

  it('sends once per attempt and asks for a retry with exponential backoff', async () => {
    const provider = scriptedProvider('APNS', [
      { kind: 'retry', reason: '503' },
      { kind: 'retry', reason: '429' },
    ]);
    const dispatcher = start(provider);
    expect(await dispatcher.attempt(job(), 1)).toEqual({ kind: 'retry', delayMs: 20 });
    expect(await dispatcher.attempt(job(), 2)).toEqual({ kind: 'retry', delayMs: 40 });
    expect(await dispatcher.attempt(job(), 3)).toEqual({ kind: 'sent' });
    expect(provider.sends).toHaveLength(3);
  });

  it('waits as long as Retry-After says, when the provider says it', async () => {
    const provider = scriptedProvider('FCM', [{ kind: 'retry', reason: '429', retryAfterMs: 300 }]);
    expect(await start(provider).attempt(job({ platform: 'FCM' }), 1)).toEqual({
      kind: 'retry',
      delayMs: 300,
    });
  });

  it('gives up on the last attempt, and at once on a permanent failure', async () => {
    const retrying = scriptedProvider('APNS', [{ kind: 'retry', reason: '500' }]);
    expect(await start(retrying, [], 3).attempt(job(), 3)).toEqual({ kind: 'given-up' });

    const refused = scriptedProvider('APNS', [{ kind: 'failed', reason: 'InvalidProviderToken' }]);
    expect(await start(refused).attempt(job(), 1)).toEqual({ kind: 'given-up' });
    expect(refused.sends).toHaveLength(1);
  });

  it('reports an invalid token through the hooks', async () => {
    const provider = scriptedProvider('APNS', [{ kind: 'invalid-token', reason: 'Unregistered' }]);
    const invalid: PushJob[] = [];
    expect(await start(provider, invalid).attempt(job(), 1)).toEqual({ kind: 'invalid-token' });
    expect(invalid).toEqual([job()]);
  });

  it('turns a provider that throws into a retry', async () => {
    const provider = scriptedProvider('APNS');
    provider.sendWakeUp = async () => {
      throw new Error('socket hang up');
    };
    expect(await start(provider).attempt(job(), 1)).toEqual({ kind: 'retry', delayMs: 20 });
  });

  it('sends nothing once stopped, leaving the push to a redelivery', async () => {
    const provider = scriptedProvider('APNS');
    const dispatcher = start(provider);
    dispatcher.stop();
    expect(await dispatcher.attempt(job(), 1)).toEqual({ kind: 'retry', delayMs: 0 });
    expect(provider.sends).toHaveLength(0);
  });

  it('computes backoff with jitter and a ceiling', () => {
    const running = start(scriptedProvider('APNS'));
    expect(running.retryDelayMs(1)).toBe(20);
    expect(running.retryDelayMs(3)).toBe(80);
    expect(running.retryDelayMs(10)).toBe(200);
    expect(running.retryDelayMs(1, 5_000)).toBe(5_000);
  });
});
