/**
 * What the load sent and what each device's subscription stream received, keyed by the exact
 * content bytes (base64): a 1:1 message carries a `(sender, seq)` tag in the clear, a group
 * message is an MLS ciphertext the sender recorded before sending. From it the invariants are
 * read: every send that returned success reached every device it addressed, and nothing reached
 * a stream again after that stream's device acknowledged it.
 */

/** `<userId>:<deviceId>`. */
export type DeviceKey = string;

export interface SendRecord {
  readonly tag: string;
  readonly kind: 'direct' | 'group';
  readonly addressed: readonly DeviceKey[];
  attempts: number;
  /** When the server first answered with data (the sender's "sent"); undefined while it has not. */
  succeededAt?: number;
  /** The error codes (or `network`) of the attempts that failed, in order. */
  readonly failures: string[];
}

/** One subscription stream of a device: a subscribe on one socket connection. */
export interface StreamKey {
  readonly id: string;
  /** When the stream began (ms, `Date.now()`): the later of the subscribe and the connection. */
  readonly startedAt: number;
}

interface DeviceLog {
  /** Content → how many times it arrived on this device's streams. */
  readonly arrivals: Map<string, number>;
  /** `stream id` + content of every arrival, to see a stream repeat itself. */
  readonly onStream: Set<string>;
  /** Content → when this device's acknowledgement of it returned (ackEnvelopes succeeded). */
  readonly acked: Map<string, number>;
  /** Contents delivered twice to one stream, or to a stream begun after their ack returned. */
  readonly duplicates: string[];
}

/** A send that returned success and a device it addressed that has not acked it. */
export interface MissingDelivery {
  readonly tag: string;
  readonly device: DeviceKey;
  readonly content: string;
  readonly send: Readonly<SendRecord>;
  /** Whether it arrived on one of the device's streams (then only its ack is missing). */
  readonly arrived: boolean;
}

export class Ledger {
  private readonly sends = new Map<string, SendRecord>();
  private readonly devices = new Map<DeviceKey, DeviceLog>();

  /** Records a send before its first attempt; `content` is the base64 bytes it carries. */
  planSend(content: string, record: Omit<SendRecord, 'attempts' | 'failures'>): SendRecord {
    const entry: SendRecord = { ...record, attempts: 0, failures: [] };
    this.sends.set(content, entry);
    return entry;
  }

  /**
   * An envelope arrived on one of `device`'s streams. The promise is exactly once per stream
   * after acks: a stream must not repeat an envelope, and a stream begun after the device's ack
   * returned must not see it (the ack deleted it first). A stream that began before the ack may
   * have read the mailbox before the deletion, and delivers it once more: not a duplicate.
   */
  arrived(device: DeviceKey, content: string, stream: StreamKey): void {
    const log = this.logOf(device);
    log.arrivals.set(content, (log.arrivals.get(content) ?? 0) + 1);
    const onStream = `${stream.id} ${content}`;
    const ackedAt = log.acked.get(content);
    if (log.onStream.has(onStream) || (ackedAt !== undefined && ackedAt < stream.startedAt))
      log.duplicates.push(content);
    log.onStream.add(onStream);
  }

  /** `device` acknowledged the envelope carrying `content` (the server deleted it). */
  acknowledged(device: DeviceKey, content: string): void {
    const log = this.logOf(device);
    if (!log.acked.has(content)) log.acked.set(content, Date.now());
  }

  /** The sends that returned success and a device they addressed that has not acked them yet. */
  missing(): MissingDelivery[] {
    const missing: MissingDelivery[] = [];
    for (const [content, send] of this.sends) {
      if (send.succeededAt === undefined) continue;
      for (const device of send.addressed) {
        const log = this.devices.get(device);
        if (!log?.acked.has(content))
          missing.push({
            tag: send.tag,
            device,
            content,
            send,
            arrived: log?.arrivals.has(content) ?? false,
          });
      }
    }
    return missing;
  }

  /** The first time after `since` that a send succeeded (sends resumed), if one did. */
  firstSuccessAfter(since: number): number | undefined {
    let first: number | undefined;
    for (const send of this.sends.values()) {
      const at = send.succeededAt;
      if (at !== undefined && at >= since && (first === undefined || at < first)) first = at;
    }
    return first;
  }

  summary(): LedgerSummary {
    const sends = [...this.sends.values()];
    const succeeded = sends.filter((send) => send.succeededAt !== undefined);
    let delivered = 0;
    let unconfirmed = 0;
    let duplicates = 0;
    for (const [content, send] of this.sends) {
      for (const device of send.addressed) {
        if (!this.devices.get(device)?.arrivals.has(content)) continue;
        if (send.succeededAt === undefined) unconfirmed++;
        else delivered++;
      }
    }
    for (const log of this.devices.values()) duplicates += log.duplicates.length;
    const failureCodes = new Map<string, number>();
    for (const send of sends) {
      for (const code of send.failures) failureCodes.set(code, (failureCodes.get(code) ?? 0) + 1);
    }
    return {
      sent: sends.length,
      acknowledged: succeeded.length,
      addressed: succeeded.reduce((sum, send) => sum + send.addressed.length, 0),
      delivered,
      unconfirmed,
      duplicates,
      lost: this.missing().length,
      failedAttempts: Object.fromEntries(failureCodes),
      neverSucceeded: sends.length - succeeded.length,
    };
  }

  /** Every duplicate as `tag on device`, for failure messages. */
  duplicateList(): string[] {
    const list: string[] = [];
    for (const [device, log] of this.devices) {
      for (const content of log.duplicates) {
        list.push(`${this.sends.get(content)?.tag ?? 'unknown'} on ${device}`);
      }
    }
    return list;
  }

  private logOf(device: DeviceKey): DeviceLog {
    let log = this.devices.get(device);
    if (!log) {
      log = { arrivals: new Map(), onStream: new Set(), acked: new Map(), duplicates: [] };
      this.devices.set(device, log);
    }
    return log;
  }
}

export interface LedgerSummary {
  /** Sends the load started. */
  readonly sent: number;
  /** Sends the server answered with success (on some attempt). */
  readonly acknowledged: number;
  /** Device deliveries those sends addressed. */
  readonly addressed: number;
  /** Distinct (device, message) arrivals of the sends that returned success. */
  readonly delivered: number;
  /** Distinct (device, message) arrivals of sends that never returned success (partial state). */
  readonly unconfirmed: number;
  /** Arrivals on a stream after that device had acknowledged the message. */
  readonly duplicates: number;
  /** (device, message) pairs of successful sends never acknowledged by their device. */
  readonly lost: number;
  /** Failed attempts by error code (`network` when no GraphQL answer came). */
  readonly failedAttempts: Readonly<Record<string, number>>;
  /** Sends still failing when the load stopped retrying. */
  readonly neverSucceeded: number;
}
