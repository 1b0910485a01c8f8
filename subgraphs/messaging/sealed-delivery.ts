/**
 * Sealed sender delivery: sends made without a token, whose sender the server never learns.
 * resolvers.ts (refuses a request that carries a token) → here (limits, access through auth's
 * `sealedRecipients`, device checks) → the store's sealed-send records and mailboxes → the bus
 * (index.ts), as for any envelope.
 */
import { createHash } from 'node:crypto';
import {
  BadUserInputError,
  PayloadTooLargeError,
  UnauthenticatedError,
} from '../../shared/errors/index.js';
import { uuid7 } from '../../shared/ids/index.js';
import type { Delivery, SendResult } from './delivery.js';
import type { DeviceDirectory } from './device-directory.js';
import type { MessagingEvents } from './events.js';
import { planFanOut } from './fan-out.js';
import { parseMultiRecipientPayload, type SealedShare } from './sealed-multi-recipient.js';
import { MailboxFullError, storedBytes, type SendLimits } from './send-limits.js';
import type { EnvelopeRecord, MessagingStore, SealedSendRecord } from './store.js';

export interface SealedEnvelopeInput {
  readonly deviceId: number;
  readonly registrationId: number;
  readonly content: Uint8Array;
}

export interface SendSealedMessageInput {
  readonly recipientId: string;
  readonly accessKey?: Uint8Array | null;
  readonly clientMessageId: string;
  readonly envelopes: readonly SealedEnvelopeInput[];
  /** A send to one's own other devices: the sending device, which gets no envelope. */
  readonly ownDeviceId?: number | null;
}

export interface SendSealedMultiRecipientInput {
  readonly payload: Uint8Array;
  readonly combinedAccessKey?: Uint8Array | null;
  readonly clientMessageId: string;
}

/** Where an anonymous send came from, for its rate limit only (never stored, never logged). */
export interface SealedOrigin {
  readonly clientAddress: string;
}

export interface SealedDeliveryOptions {
  /** Most envelopes in one single-recipient send. */
  readonly maxEnvelopesPerSend: number;
  /** Most recipients one multi-recipient send may name (auth's limit too). */
  readonly maxSealedRecipients: number;
  /** Most devices one multi-recipient send may reach. */
  readonly maxSealedDevices: number;
}

/** The same refusal for a wrong key, an unknown recipient and access turned off. */
const refused = () => new UnauthenticatedError('Sealed delivery to this recipient is refused');

/** The idempotency key of a sealed send for one recipient: a hash that names no one. */
export function sealedSendKey(recipientId: string, clientMessageId: string): string {
  return createHash('sha256').update(`${recipientId}\u0000${clientMessageId}`).digest('hex');
}

export class SealedDeliveryService {
  constructor(
    private readonly store: MessagingStore,
    private readonly directory: DeviceDirectory,
    private readonly events: MessagingEvents,
    private readonly delivery: Delivery,
    private readonly limits: SendLimits,
    private readonly options: SealedDeliveryOptions,
    private readonly now: () => Date = () => new Date(),
  ) {}

  /** One recipient's devices, one envelope each (see docs/delivery.md, "Sealed sender"). */
  async sendSealedMessage(
    origin: SealedOrigin,
    input: SendSealedMessageInput,
  ): Promise<SendResult> {
    this.delivery.checkClientMessageId(input.clientMessageId);
    this.delivery.checkEnvelopeCount(input.envelopes.length, this.options.maxEnvelopesPerSend);
    for (const envelope of input.envelopes) this.delivery.checkContentSize(envelope.content);
    checkAccessKeyLength(input.accessKey, 'accessKey');

    const contentOf = new Map(
      input.envelopes.map((envelope) => [envelope.deviceId, envelope.content]),
    );
    return this.send(
      origin,
      [{ userId: input.recipientId, devices: input.envelopes }],
      input.accessKey ?? null,
      input.clientMessageId,
      (_, deviceId) => contentOf.get(deviceId) ?? new Uint8Array(),
      input.ownDeviceId ?? null,
    );
  }

  /** libsignal's multi-recipient payload: each named device gets its recipient's share. */
  async sendSealedMultiRecipientMessage(
    origin: SealedOrigin,
    input: SendSealedMultiRecipientInput,
  ): Promise<SendResult> {
    this.delivery.checkClientMessageId(input.clientMessageId);
    checkAccessKeyLength(input.combinedAccessKey, 'combinedAccessKey');
    const shares = parseMultiRecipientPayload(input.payload);
    if (shares.length > this.options.maxSealedRecipients) {
      throw new PayloadTooLargeError(
        `at most ${this.options.maxSealedRecipients} recipients per send`,
      );
    }
    const devices = shares.reduce((sum, share) => sum + share.devices.length, 0);
    if (devices > this.options.maxSealedDevices) {
      throw new PayloadTooLargeError(`at most ${this.options.maxSealedDevices} devices per send`);
    }
    for (const share of shares) this.delivery.checkContentSize(share.content);
    const byUser = new Map(shares.map((share) => [share.userId, share.content]));
    return this.send(
      origin,
      shares,
      input.combinedAccessKey ?? null,
      input.clientMessageId,
      (userId) => byUser.get(userId) ?? new Uint8Array(),
      null,
    );
  }

  private async send(
    origin: SealedOrigin,
    shares: readonly Pick<SealedShare, 'userId' | 'devices'>[],
    accessKey: Uint8Array | null,
    clientMessageId: string,
    contentFor: (userId: string, deviceId: number) => Uint8Array,
    ownDeviceId: number | null,
  ): Promise<SendResult> {
    const addressed = shares.flatMap((share) =>
      share.devices.map((device) => ({ content: contentFor(share.userId, device.deviceId) })),
    );
    this.limits.takeSealed(
      shares.map((share) => share.userId),
      origin.clientAddress,
      storedBytes(addressed),
    );
    // Access before the retry lookup: without the key, not even an earlier result is shown.
    const current = await this.directory.sealedRecipients(
      shares.map((share) => share.userId),
      accessKey,
    );
    if (!current) throw refused();
    const keys = shares.map((share) => sealedSendKey(share.userId, clientMessageId));
    const previous = await this.store.findSealedSend(keys);
    if (previous) return resultOf(previous);
    const now = this.now();
    const message = { messageId: uuid7(now.getTime()), now };
    const envelopes: EnvelopeRecord[] = shares.flatMap((share) => {
      const recipientDevices = current.get(share.userId);
      if (!recipientDevices) throw refused();
      // As a note to self: every device of the recipient but `ownDeviceId` (none by default).
      const targets = planFanOut({
        senderUserId: share.userId,
        senderDeviceId: ownDeviceId ?? 0,
        recipientId: share.userId,
        envelopes: share.devices,
        recipientDevices,
        senderDevices: recipientDevices,
      });
      return targets.map((target) =>
        this.delivery.envelope(
          message,
          target,
          'SEALED_SENDER',
          contentFor(share.userId, target.deviceId),
        ),
      );
    });
    const records: SealedSendRecord[] = keys.map((key) => ({
      key,
      messageId: message.messageId,
      serverTimestamp: now,
      recipients: envelopes.length,
    }));
    const quota = this.limits.mailboxQuota;
    const outcome = await this.store.storeSealedWithinQuota(records, envelopes, quota);
    if (outcome.kind === 'mailbox-full') throw new MailboxFullError(quota, outcome.full);
    if (outcome.kind === 'stored') await this.events.envelopesStored(outcome.envelopes);
    return resultOf(outcome.sent);
  }
}

/** Access keys are 16 bytes (the format is public: a malformed one is bad input, not a wrong key). */
function checkAccessKeyLength(key: Uint8Array | null | undefined, field: string): void {
  if (key && key.length !== 16) {
    throw new BadUserInputError(`${field} must be 16 bytes`, { field });
  }
}

function resultOf(record: SealedSendRecord): SendResult {
  return {
    messageId: record.messageId,
    serverTimestamp: record.serverTimestamp,
    recipients: record.recipients,
  };
}
