import type { PushPlatform } from './store.js';

/** What became of one push attempt. */
export type PushOutcome =
  | { readonly kind: 'sent' }
  /** The provider says the token is dead (uninstalled app, malformed token): forget it. */
  | { readonly kind: 'invalid-token'; readonly reason: string }
  /** Worth another try later (5xx, 429, network); `retryAfterMs` when the provider said when. */
  | { readonly kind: 'retry'; readonly reason: string; readonly retryAfterMs?: number }
  /** Will not work by trying again (e.g. our credentials are refused); logged and dropped. */
  | { readonly kind: 'failed'; readonly reason: string };

/**
 * A push service (FCM, APNs) behind the smallest interface the dispatcher needs. Providers
 * never throw from `sendWakeUp`: every failure is an outcome.
 */
export interface PushProvider {
  readonly platform: PushPlatform;
  /** Sends the content-free wake-up to one device token. */
  sendWakeUp(token: string): Promise<PushOutcome>;
  /** Closes connections and timers. */
  close(): Promise<void>;
}

/**
 * The wake-up says only "something is waiting": no message content, sender, conversation or
 * count. The app fetches its mailbox over the API and decrypts locally.
 */
export const wakeUp = {
  /** FCM data message (delivered to the app, even in the background, with high priority). */
  fcmData: { guardyn: 'wake' },
  /** Same key for every wake-up, so providers keep only the latest one pending per device. */
  collapseKey: 'guardyn-wake',
  /**
   * APNs: a generic alert that the app's Notification Service Extension (mutable-content)
   * replaces after fetching and decrypting; background pushes alone are throttled by iOS.
   */
  apnsPayload: { aps: { alert: { 'loc-key': 'NEW_MESSAGE' }, 'mutable-content': 1 } },
  /** A wake-up that cannot be delivered within a day is moot. */
  timeToLiveSeconds: 24 * 3600,
} as const;
