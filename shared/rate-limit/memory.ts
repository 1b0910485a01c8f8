import type { RateLimiter, RateLimiters } from './rate-limiter.js';
import { assertLimiterName } from './rate-limiter.js';
import { SlidingWindowLimiter, type SlidingWindowOptions } from './sliding-window.js';

/**
 * Limiters in this process's memory (embedded mode, or a service without NATS): atomic because
 * JavaScript runs one callback at a time, bounded by `maxKeys` per limiter, and per process.
 */
export function memoryRateLimiters(
  options: SlidingWindowOptions & { readonly now?: () => number } = {},
): RateLimiters {
  return {
    limiter(name, rule): RateLimiter {
      assertLimiterName(name);
      const window = new SlidingWindowLimiter(rule, options.now, options);
      return {
        async reserve(key) {
          const release = window.reserve(key);
          return {
            async release() {
              release();
            },
          };
        },
      };
    },
    async close() {},
  };
}
