import { BadUserInputError, PayloadTooLargeError } from '../../shared/errors/index.js';
import { pushPlatforms, type PushPlatform } from './store.js';

/** Longest token accepted on any platform (FCM tokens are about 160 characters today). */
export const maxTokenLength = 4096;

/** APNs device tokens: hex of 32 bytes today; Apple says the length may grow, so up to 100. */
const apnsToken = /^(?:[0-9a-fA-F]{2}){32,100}$/;
/** FCM registration tokens: URL-safe characters with `:` between the instance id and the rest. */
const fcmToken = /^[A-Za-z0-9_:.-]{16,}$/;

/** The platform, if it is one (GraphQL's enum already checks; this guards other callers). */
export function parsePlatform(value: string): PushPlatform {
  if (!(pushPlatforms as readonly string[]).includes(value)) {
    throw new BadUserInputError(`platform must be one of ${pushPlatforms.join(', ')}`, {
      field: 'platform',
    });
  }
  return value as PushPlatform;
}

/**
 * Checks a push token for its platform and returns it normalised (APNs hex in lower case).
 * PAYLOAD_TOO_LARGE above `maxTokenLength`; BAD_USER_INPUT when it cannot be such a token.
 */
export function parsePushToken(platform: PushPlatform, token: string): string {
  if (token.length > maxTokenLength) {
    throw new PayloadTooLargeError(
      `token must be at most ${maxTokenLength} characters`,
      maxTokenLength,
    );
  }
  if (platform === 'APNS') {
    if (!apnsToken.test(token)) {
      throw new BadUserInputError('an APNs token is 64 to 200 hexadecimal digits', {
        field: 'token',
      });
    }
    return token.toLowerCase();
  }
  if (!fcmToken.test(token)) {
    throw new BadUserInputError('an FCM token is at least 16 of A-Z, a-z, 0-9, _, :, . and -', {
      field: 'token',
    });
  }
  return token;
}
