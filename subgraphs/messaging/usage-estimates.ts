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
 * Sends that need a device read while a read of it is in flight wait for that read rather than
 * start their own: when an estimate ages out under 50 concurrent sends to one device, the cluster
 * sums its mailbox once, not 50 times.
 */
export class UsageEstimates {
  readonly #estimates = new Map<string, Estimate>();
  /** Exact reads in flight, by device: what later sends for the same device wait for. */
  readonly #reading = new Map<string, Promise<MailboxUsage>>();

  constructor(
    private readonly maxAgeMs = 5_000,
    private readonly maxDevices = 100_000,
    private readonly now: () => number = Date.now,
  ) {}

  /**
   * The usage of each device that `incoming` adds to, in its order: from the estimate where that
   * is safe, else from `readExact` (asked once, for the devices that need it and are not being
   * read already).
   */
  async usage(
    incoming: readonly MailboxUsage[],
    quota: MailboxQuota,
    readExact: (devices: readonly DeviceAddress[]) => Promise<MailboxUsage[]>,
  ): Promise<MailboxUsage[]> {
    const now = this.now();
    const known = new Map<string, MailboxUsage>();
    const waiting = new Map<string, Promise<MailboxUsage>>();
    const toRead = new Map<string, DeviceAddress>();
    for (const added of incoming) {
      const { userId, deviceId } = added;
      const key = deviceKey(added);
      const estimate = this.#estimates.get(key);
      const trusted =
        estimate !== undefined &&
        now - estimate.readAt < this.maxAgeMs &&
        (estimate.envelopes + added.envelopes) * 2 <= quota.maxEnvelopes &&
        (estimate.bytes + added.bytes) * 2 <= quota.maxBytes;
      if (trusted) {
        known.set(key, { userId, deviceId, envelopes: estimate.envelopes, bytes: estimate.bytes });
        continue;
      }
      const inFlight = this.#reading.get(key);
      if (inFlight) waiting.set(key, inFlight);
      else toRead.set(key, { userId, deviceId });
    }
    if (toRead.size > 0) {
      const reads = this.#readDevices([...toRead.values()], now, readExact);
      for (const [key, read] of reads) waiting.set(key, read);
    }
    for (const [key, read] of waiting) known.set(key, await read);
    return incoming.map(
      ({ userId, deviceId }) =>
        known.get(deviceKey({ userId, deviceId })) ?? empty({ userId, deviceId }),
    );
  }

  /** One exact read of `devices`, shared by every send that asks for one of them meanwhile. */
  #readDevices(
    devices: readonly DeviceAddress[],
    readAt: number,
    readExact: (devices: readonly DeviceAddress[]) => Promise<MailboxUsage[]>,
  ): Map<string, Promise<MailboxUsage>> {
    const read = readExact(devices).then((results) => {
      for (const exact of results) this.#remember(exact, readAt);
      return new Map(results.map((exact) => [deviceKey(exact), exact]));
    });
    const byDevice = new Map<string, Promise<MailboxUsage>>();
    for (const device of devices) {
      const key = deviceKey(device);
      const one = read.then((results) => results.get(key) ?? empty(device));
      byDevice.set(key, one);
      this.#reading.set(key, one);
      const done = () => {
        if (this.#reading.get(key) === one) this.#reading.delete(key);
      };
      one.then(done, done);
    }
    return byDevice;
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

const empty = ({ userId, deviceId }: DeviceAddress): MailboxUsage => ({
  userId,
  deviceId,
  envelopes: 0,
  bytes: 0,
});
