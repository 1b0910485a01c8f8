import { randomUUID } from 'node:crypto';
import { deleteApp, initializeApp, type App } from 'firebase-admin/app';
import { getMessaging, type Messaging } from 'firebase-admin/messaging';
import { ServiceAccountCredential, loadServiceAccount } from './fcm-credential.js';
import { EndpointAgent } from './fcm-endpoint-agent.js';
import { wakeUp, type PushOutcome, type PushProvider } from './push-provider.js';

/** Where FCM lives unless configured otherwise. */
export const defaultFcmUrl = 'https://fcm.googleapis.com';

/** firebase-admin error codes that mean the token is dead (FCM UNREGISTERED, INVALID_ARGUMENT). */
const invalidTokenCodes = new Set([
  'messaging/registration-token-not-registered',
  'messaging/invalid-registration-token',
  // Our payload is fixed and valid, so INVALID_ARGUMENT can only be about the token.
  'messaging/invalid-argument',
]);

/** Worth retrying: FCM unavailable, internal, quota (429), and network or token-endpoint trouble. */
const retryCodes = new Set([
  'messaging/server-unavailable',
  'messaging/internal-error',
  'messaging/message-rate-exceeded',
  'messaging/device-message-rate-exceeded',
  'messaging/unknown-error',
  'app/network-error',
  'app/network-timeout',
  'app/invalid-credential',
]);

/** Maps a firebase-admin rejection to an outcome. */
export function classifyFcmError(error: unknown): PushOutcome {
  const code = (error as { code?: unknown } | null)?.code;
  const reason = typeof code === 'string' ? code : String(error);
  if (typeof code === 'string' && invalidTokenCodes.has(code))
    return { kind: 'invalid-token', reason };
  if (typeof code === 'string' && retryCodes.has(code)) return { kind: 'retry', reason };
  return { kind: 'failed', reason };
}

/**
 * FCM through firebase-admin's HTTP v1 API (`messages:send`, one message per call: its batch
 * call uses HTTP/2 sessions to the fixed Google host, which no agent redirects). firebase-admin
 * retries 503 itself, honouring Retry-After; other errors come back as outcomes.
 */
export class FcmProvider implements PushProvider {
  readonly platform = 'FCM' as const;

  private constructor(
    private readonly app: App,
    private readonly messaging: Messaging,
    private readonly agent: EndpointAgent | undefined,
  ) {}

  /** Reads the service account and sets up a firebase-admin app of its own. */
  static async create(settings: { credentialsFile: string; url: string }): Promise<FcmProvider> {
    const account = await loadServiceAccount(settings.credentialsFile);
    const agent =
      settings.url === defaultFcmUrl ? undefined : new EndpointAgent(new URL(settings.url));
    const app = initializeApp(
      {
        credential: new ServiceAccountCredential(account),
        projectId: account.projectId,
        ...(agent ? { httpAgent: agent } : {}),
      },
      `guardyn-fcm-${randomUUID()}`,
    );
    return new FcmProvider(app, getMessaging(app), agent);
  }

  async sendWakeUp(token: string): Promise<PushOutcome> {
    try {
      await this.messaging.send({
        token,
        data: { ...wakeUp.fcmData },
        android: {
          priority: 'high',
          collapseKey: wakeUp.collapseKey,
          ttl: wakeUp.timeToLiveSeconds * 1000,
        },
      });
      return { kind: 'sent' };
    } catch (error) {
      return classifyFcmError(error);
    }
  }

  async close(): Promise<void> {
    await deleteApp(this.app);
    this.agent?.destroy();
  }
}
