import { deviceKey } from './mailbox-usage.js';
import type { DeviceAddress, MailboxQuota, MailboxUsage } from './store.js';

interface Estimate {
  envelopes: number;
  bytes: number;
  readAt: number;
}

/**
 * What each device's mailbox holds, as this process last read it plus what it has stored there
 * since: for the CQL store, whose exact usage is an aggregate over the device's pending envelopes
 * (a read that grows with them, up to the quota's 100,000 rows per send).
 *
 * An estimate is trusted only while it is younger than `maxAgeMs` and the send leaves the device
 * at most half full; otherwise the device is read exactly, so no send is ever refused on an
 * estimate. Acks and expiry only lower usage, so an estimate errs toward reading again. Writes by
 * other replicas go unseen for at most `maxAgeMs`, and only while a device is under half its quota.
 */
export class UsageEstimates {
  readonly #estimates = new Map<string, Estimate>();

  constructor(
    private readonly maxAgeMs = 5_000,
    private readonly maxDevices = 100_000,
    private readonly now: () => number = Date.now,
  ) {}

  /**
   * The usage of each device that `incoming` adds to, in its order: from the estimate where that
   * is safe, else from `readExact` (asked once, for the devices that need it).
   */
  async usage(
    incoming: readonly MailboxUsage[],
    quota: MailboxQuota,
    readExact: (devices: readonly DeviceAddress[]) => Promise<MailboxUsage[]>,
  ): Promise<MailboxUsage[]> {
    const now = this.now();
    const known = new Map<string, MailboxUsage>();
    const unknown: DeviceAddress[] = [];
    for (const added of incoming) {
      const { userId, deviceId } = added;
      const estimate = this.#estimates.get(deviceKey(added));
      const trusted =
        estimate !== undefined &&
        now - estimate.readAt < this.maxAgeMs &&
        (estimate.envelopes + added.envelopes) * 2 <= quota.maxEnvelopes &&
        (estimate.bytes + added.bytes) * 2 <= quota.maxBytes;
      if (trusted) {
        known.set(deviceKey(added), {
          userId,
          deviceId,
          envelopes: estimate.envelopes,
          bytes: estimate.bytes,
        });
      } else {
        unknown.push({ userId, deviceId });
      }
    }
    if (unknown.length > 0) {
      for (const exact of await readExact(unknown)) {
        this.#remember(exact, now);
        known.set(deviceKey(exact), exact);
      }
    }
    return incoming.map(
      ({ userId, deviceId }) =>
        known.get(deviceKey({ userId, deviceId })) ?? { userId, deviceId, envelopes: 0, bytes: 0 },
    );
  }

  /** What this process has just stored: added to the estimates it holds. */
  added(stored: readonly MailboxUsage[]): void {
    for (const added of stored) {
      const estimate = this.#estimates.get(deviceKey(added));
      if (!estimate) continue;
      estimate.envelopes += added.envelopes;
      estimate.bytes += added.bytes;
    }
  }

  #remember(usage: MailboxUsage, readAt: number): void {
    const key = deviceKey(usage);
    // Re-inserted, so insertion order is reading order and the oldest reading goes first.
    this.#estimates.delete(key);
    this.#estimates.set(key, { envelopes: usage.envelopes, bytes: usage.bytes, readAt });
    if (this.#estimates.size > this.maxDevices) {
      const oldest = this.#estimates.keys().next();
      if (!oldest.done) this.#estimates.delete(oldest.value);
    }
  }
}
