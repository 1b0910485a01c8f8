import { GuardynError, PayloadTooLargeError } from '../../shared/errors/index.js';
import { SlidingWindowLimiter } from '../../shared/rate-limit/index.js';
import { devicesOverQuota, incomingUsage } from './mailbox-usage.js';
import type { DeviceAddress, EnvelopeRecord, MailboxQuota, MailboxQuotaStore } from './store.js';

export interface SendLimitOptions {
  /** Sends (1:1, group messages, commits) per sender user per sliding minute. */
  readonly sendsPerMinute: number;
  /** Envelope content bytes stored (content times devices) per sender user per sliding minute. */
  readonly sendBytesPerMinute: number;
  readonly mailboxQuota: MailboxQuota;
}

/** What a send would add to a mailbox. */
export type AddressedContent = Pick<
  EnvelopeRecord,
  'recipientUserId' | 'recipientDeviceId' | 'content'
>;

const windowMs = 60_000;
/** Sealed sends a recipient may receive per minute, as a multiple of one sender's send rate. */
const sealedRecipientFactor = 10;
/**
 * The limiter counts events, not amounts: bytes are recorded in units of 64 KiB (each send at
 * least one), so a sender's timestamps stay few (512 at the default 32 MiB a minute).
 */
export const sendByteUnit = 64 * 1024;

/** A send would put these devices' mailboxes over the quota: nothing was stored. */
export class MailboxFullError extends GuardynError {
  constructor(quota: MailboxQuota, fullDevices: readonly DeviceAddress[]) {
    super('PAYLOAD_TOO_LARGE', 'A recipient device’s mailbox is full', {
      quota: 'MAILBOX',
      maxEnvelopes: quota.maxEnvelopes,
      maxBytes: quota.maxBytes,
      fullDevices: fullDevices.map(({ userId, deviceId }) => ({ userId, deviceId })),
    });
  }
}

/**
 * The flood guards of every send path: a per-sender rate (sends and bytes, in this process's
 * memory) and the per-device mailbox quota, read before anything is written. The stores check
 * the quota again as they write (`storeMessageWithinQuota`, `commitGroupWithinQuota`).
 */
export class SendLimits {
  private readonly sends: SlidingWindowLimiter;
  private readonly bytes: SlidingWindowLimiter;
  private readonly sealedToRecipient: SlidingWindowLimiter;
  private readonly byteUnitsPerWindow: number;

  constructor(
    private readonly store: MailboxQuotaStore,
    private readonly options: SendLimitOptions,
    now: () => number = Date.now,
  ) {
    this.byteUnitsPerWindow = Math.max(1, Math.floor(options.sendBytesPerMinute / sendByteUnit));
    this.sends = new SlidingWindowLimiter({ limit: options.sendsPerMinute, windowMs }, now);
    this.bytes = new SlidingWindowLimiter({ limit: this.byteUnitsPerWindow, windowMs }, now);
    this.sealedToRecipient = new SlidingWindowLimiter(
      { limit: options.sendsPerMinute * sealedRecipientFactor, windowMs },
      now,
    );
  }

  get mailboxQuota(): MailboxQuota {
    return this.options.mailboxQuota;
  }

  /** Counts one send of the user; RATE_LIMITED (retryAfterSeconds) while they are at the limit. */
  takeSend(senderUserId: string): void {
    this.sends.take(senderUserId);
  }

  /**
   * Counts the bytes a send stores; RATE_LIMITED while the user is at the limit. A send under it
   * goes through whole, so the last one may pass the limit by its own size (bounded below).
   * PAYLOAD_TOO_LARGE for a send bigger than a whole minute's allowance, which could never pass.
   */
  takeBytes(senderUserId: string, storedBytes: number): void {
    const units = Math.max(1, Math.ceil(storedBytes / sendByteUnit));
    if (units > this.byteUnitsPerWindow) {
      throw new PayloadTooLargeError(
        `a send may store at most ${this.options.sendBytesPerMinute} bytes (content times devices)`,
        this.options.sendBytesPerMinute,
      );
    }
    this.bytes.check(senderUserId);
    for (let unit = 0; unit < units; unit++) this.bytes.record(senderUserId);
  }

  /**
   * A sealed send, whose sender is unknown: counted per client address (sends and bytes, as a
   * user's are) and per recipient (a recipient hears from many: a larger allowance). The keys are
   * never stored nor logged, and no key joins an address to a recipient. RATE_LIMITED counts
   * nothing.
   */
  takeSealed(recipientIds: readonly string[], clientAddress: string, storedBytes: number): void {
    const address = `sealed-from:${clientAddress}`;
    const recipients = [...new Set(recipientIds)].map((userId) => `sealed-to:${userId}`);
    this.sends.check(address);
    for (const recipient of recipients) this.sealedToRecipient.check(recipient);
    this.takeBytes(address, storedBytes);
    this.sends.record(address);
    for (const recipient of recipients) this.sealedToRecipient.record(recipient);
  }

  /** PAYLOAD_TOO_LARGE naming the devices the envelopes would put over the mailbox quota. */
  async refuseFullMailboxes(envelopes: readonly AddressedContent[]): Promise<void> {
    const full = await this.fullDevices(envelopes);
    if (full.length > 0) throw new MailboxFullError(this.mailboxQuota, full);
  }

  /**
   * The envelopes whose devices have room (group messages skip full members); PAYLOAD_TOO_LARGE
   * when none has.
   */
  async withoutFullMailboxes<T extends AddressedContent>(envelopes: readonly T[]): Promise<T[]> {
    const full = await this.fullDevices(envelopes);
    const isFull = (envelope: T) =>
      full.some(
        (device) =>
          device.userId === envelope.recipientUserId &&
          device.deviceId === envelope.recipientDeviceId,
      );
    const deliverable = envelopes.filter((envelope) => !isFull(envelope));
    if (deliverable.length === 0 && full.length > 0)
      throw new MailboxFullError(this.mailboxQuota, full);
    return deliverable;
  }

  private async fullDevices(envelopes: readonly AddressedContent[]): Promise<DeviceAddress[]> {
    if (envelopes.length === 0) return [];
    const usage = await this.store.mailboxUsage(incomingUsage(envelopes));
    return devicesOverQuota(usage, envelopes, this.mailboxQuota);
  }
}

/** Content bytes of the envelopes, as stored. */
export function storedBytes(envelopes: readonly Pick<EnvelopeRecord, 'content'>[]): number {
  return envelopes.reduce((sum, envelope) => sum + envelope.content.length, 0);
}
