import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from '@jest/globals';
import { pino } from 'pino';
import { classifyApnsFailure } from './apns-provider.js';
import { loadServiceAccount } from './fcm-credential.js';
import { classifyFcmError } from './fcm-provider.js';
import { createPushProviders } from './providers.js';

describe('provider outcomes', () => {
  it.each([
    [{ status: 410, response: { reason: 'Unregistered' } }, 'invalid-token'],
    [{ status: 400, response: { reason: 'BadDeviceToken' } }, 'invalid-token'],
    [{ status: 400, response: { reason: 'DeviceTokenNotForTopic' } }, 'invalid-token'],
    [{ status: 429, response: { reason: 'TooManyRequests' } }, 'retry'],
    [{ status: 500, response: { reason: 'InternalServerError' } }, 'retry'],
    [{ status: 503, response: { reason: 'ServiceUnavailable' } }, 'retry'],
    [{ status: 403, response: { reason: 'ExpiredProviderToken' } }, 'retry'],
    [{ error: new Error('apn write timeout') }, 'retry'],
    [{ status: 403, response: { reason: 'InvalidProviderToken' } }, 'failed'],
    [{ status: 400, response: { reason: 'BadTopic' } }, 'failed'],
  ])('APNs %j is %s', (failure, kind) => {
    expect(classifyApnsFailure({ device: 'ab', ...failure }).kind).toBe(kind);
  });

  it.each([
    ['messaging/registration-token-not-registered', 'invalid-token'],
    ['messaging/invalid-argument', 'invalid-token'],
    ['messaging/server-unavailable', 'retry'],
    ['messaging/internal-error', 'retry'],
    ['messaging/message-rate-exceeded', 'retry'],
    ['app/network-error', 'retry'],
    ['messaging/mismatched-credential', 'failed'],
    ['messaging/third-party-auth-error', 'failed'],
  ])('FCM %s is %s', (code, kind) => {
    expect(classifyFcmError(Object.assign(new Error('x'), { code })).kind).toBe(kind);
  });
});

describe('createPushProviders', () => {
  it('disables providers without credentials, saying so once each', async () => {
    const lines: string[] = [];
    const logger = pino({ level: 'info' }, { write: (line: string) => void lines.push(line) });
    const providers = await createPushProviders(
      { collapseSeconds: 30, fcm: undefined, apns: undefined },
      logger,
    );
    expect(providers.size).toBe(0);
    expect(lines.join('')).toContain('FCM push disabled');
    expect(lines.join('')).toContain('APNs push disabled');
  });

  it('refuses a service-account file without a private key, naming the file and field', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'guardyn-fcm-'));
    try {
      const file = path.join(dir, 'sa.json');
      await writeFile(file, JSON.stringify({ project_id: 'p', client_email: 'a@b' }));
      await expect(loadServiceAccount(file)).rejects.toThrow(`${file}: "private_key" is missing`);
      await writeFile(file, 'not json');
      await expect(loadServiceAccount(file)).rejects.toThrow('not a readable service-account');
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
