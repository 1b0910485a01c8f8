import { readFile } from 'node:fs/promises';
import apn from '@parse/node-apn';
import type { ApnsConfig } from '../../shared/config/index.js';
import { wakeUp, type PushOutcome, type PushProvider } from './push-provider.js';

/** APNs reasons that mean the token is dead for this app. */
const invalidTokenReasons = new Set(['Unregistered', 'BadDeviceToken', 'DeviceTokenNotForTopic']);
/** Statuses worth retrying; 403 ExpiredProviderToken too (node-apn signs a new JWT meanwhile). */
const retryStatuses = new Set([408, 429, 500, 502, 503, 504]);

/** Maps one node-apn failure to an outcome. */
export function classifyApnsFailure(failure: apn.ResponseFailure): PushOutcome {
  const reason = failure.response?.reason ?? failure.error?.message ?? `status ${failure.status}`;
  if (failure.status === 410 || invalidTokenReasons.has(reason))
    return { kind: 'invalid-token', reason };
  if (failure.status === undefined) return { kind: 'retry', reason }; // connection or timeout
  if (retryStatuses.has(failure.status) || reason === 'ExpiredProviderToken') {
    return { kind: 'retry', reason };
  }
  return { kind: 'failed', reason };
}

/**
 * APNs through @parse/node-apn: HTTP/2 over TLS with provider-token (JWT, ES256) auth. Its own
 * retries are off (`connectionRetryLimit: 0`) so that the dispatcher's backoff is the only one;
 * node-apn does not pass on a Retry-After header.
 */
export class ApnsProvider implements PushProvider {
  readonly platform = 'APNS' as const;

  private constructor(
    private readonly provider: apn.Provider,
    private readonly topic: string,
  ) {}

  /** Reads the key (and CA) files and opens a provider for the configured endpoint. */
  static async create(settings: ApnsConfig): Promise<ApnsProvider> {
    const endpoint = new URL(settings.url);
    const key = await readFile(settings.keyFile);
    const ca = settings.caFile ? [await readFile(settings.caFile)] : undefined;
    const provider = new apn.Provider({
      token: { key, keyId: settings.keyId, teamId: settings.teamId },
      address: endpoint.hostname.replace(/^\[|\]$/g, ''),
      port: Number(endpoint.port) || 443,
      ...(ca ? { ca } : {}),
      connectionRetryLimit: 0,
      requestTimeout: 10_000,
    });
    return new ApnsProvider(provider, settings.topic);
  }

  async sendWakeUp(token: string): Promise<PushOutcome> {
    const notification = new apn.Notification(structuredClone(wakeUp.apnsPayload));
    notification.topic = this.topic;
    notification.pushType = 'alert';
    notification.priority = 10;
    notification.collapseId = wakeUp.collapseKey;
    notification.expiry = Math.floor(Date.now() / 1000) + wakeUp.timeToLiveSeconds;
    try {
      const result = await this.provider.send(notification, token);
      const failure = result.failed[0];
      return failure ? classifyApnsFailure(failure) : { kind: 'sent' };
    } catch (error) {
      return { kind: 'retry', reason: error instanceof Error ? error.message : String(error) };
    }
  }

  async close(): Promise<void> {
    await this.provider.shutdown();
  }
}
