import type { NotificationConfig } from '../../shared/config/index.js';
import type { Logger } from '../../shared/logging/index.js';
import { ApnsProvider } from './apns-provider.js';
import { FcmProvider } from './fcm-provider.js';
import type { PushProvider } from './push-provider.js';
import type { PushPlatform } from './store.js';

/**
 * The one place push providers are chosen: each platform whose credentials are configured gets
 * its provider; the others are disabled with a log line (tokens are still accepted, so devices
 * start getting wake-ups once the provider is configured). Bad credential files stop the start.
 */
export async function createPushProviders(
  settings: NotificationConfig,
  logger: Logger,
): Promise<Map<PushPlatform, PushProvider>> {
  const providers = new Map<PushPlatform, PushProvider>();
  try {
    if (settings.fcm) {
      providers.set('FCM', await FcmProvider.create(settings.fcm));
      logger.info({ url: settings.fcm.url }, 'FCM push enabled');
    } else {
      logger.info('FCM push disabled: GUARDYN_NOTIFICATION__FCM_CREDENTIALS_FILE is not set');
    }
    if (settings.apns) {
      providers.set('APNS', await ApnsProvider.create(settings.apns));
      logger.info({ url: settings.apns.url, topic: settings.apns.topic }, 'APNs push enabled');
    } else {
      logger.info(
        'APNs push disabled: GUARDYN_NOTIFICATION__APNS_KEY_FILE and friends are not set',
      );
    }
  } catch (error) {
    await Promise.all([...providers.values()].map((provider) => provider.close()));
    throw error;
  }
  return providers;
}
