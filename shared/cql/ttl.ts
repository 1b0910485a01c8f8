/** Cassandra refuses TTLs above 20 years. */
const maxTtlSeconds = 20 * 365 * 24 * 3600;

/**
 * The `USING TTL` for data that must live until `until`: whole seconds, rounded up, at least 1
 * (0 would mean "never expires"). Already-expired data therefore lives one more second; readers
 * still skip it by its own expiry column.
 */
export function ttlSeconds(until: Date, now: Date = new Date()): number {
  const seconds = Math.ceil((until.getTime() - now.getTime()) / 1000);
  return Math.min(maxTtlSeconds, Math.max(1, seconds));
}
