export {
  SlidingWindowLimiter,
  type RateLimit,
  type SlidingWindowOptions,
} from './sliding-window.js';
export { defaultMaxKeys } from './bounded-keys.js';
export type { RateLimiter, RateLimiters, RateLimitReservation } from './rate-limiter.js';
export { memoryRateLimiters } from './memory.js';
export {
  connectNatsRateLimiters,
  rateLimitBucketName,
  type NatsRateLimitersOptions,
} from './nats-kv.js';
import { memoryRateLimiters } from './memory.js';
import { connectNatsRateLimiters } from './nats-kv.js';
import type { RateLimiters } from './rate-limiter.js';

/** What `createRateLimiters` needs from the config. */
export interface RateLimitersConfig {
  /** Set: counters in NATS JetStream KV, shared by the deployment. Unset: this process's memory. */
  readonly natsUrl: string | undefined;
  readonly namespace?: string | undefined;
  /** Connection name for the server's monitoring. */
  readonly name?: string;
}

/** The one place the backend is chosen: NATS KV when NATS is configured, else memory. */
export async function createRateLimiters(config: RateLimitersConfig): Promise<RateLimiters> {
  if (config.natsUrl === undefined || config.natsUrl === '') return memoryRateLimiters();
  return connectNatsRateLimiters({
    url: config.natsUrl,
    ...(config.namespace === undefined ? {} : { namespace: config.namespace }),
    ...(config.name === undefined ? {} : { name: config.name }),
  });
}
