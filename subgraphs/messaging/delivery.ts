import type { Principal } from '../../shared/auth/index.js';
import {
  BadUserInputError,
  PayloadTooLargeError,
  StaleEpochError,
} from '../../shared/errors/index.js';
import { envelopeId } from './envelope-ids.js';
import type { MessagingEvents } from './events.js';
import { MailboxFullError } from './send-limits.js';
import type {
  EnvelopeRecord,
  EnvelopeType,
  MailboxQuota,
  MessagingStore,
  SentMessageRecord,
  StoreMessageOptions,
} from './store.js';

export interface SendResult {
  readonly messageId: string;
  readonly serverTimestamp: Date;
  readonly recipients: number;
}

export interface DeliveryOptions {
  /** Largest envelope content. */
  readonly maxEnvelopeBytes: number;
  /** How long an unacked envelope is kept. */
  readonly retentionMs: number;
  /** Most a device's mailbox may hold pending: a send over it stores nothing. */
  readonly mailboxQuota: MailboxQuota;
}

const maxClientMessageIdLength = 128;

/**
 * What 1:1 messages and MLS groups share: making envelopes, storing a send (idempotent on the
 * sender device's clientMessageId) before anyone is told, then announcing it on the bus.
 */
export class Delivery {
  constructor(
    private readonly store: MessagingStore,
    private readonly events: MessagingEvents,
    private readonly options: DeliveryOptions,
  ) {}

  /**
   * An envelope for one device, from `sender` (null for server-made or sealed-sender ones). Its
   * id is derived from the message and the device, so a retried send rewrites the same row.
   */
  envelope(
    message: { readonly messageId: string; readonly now: Date },
    recipient: { readonly userId: string; readonly deviceId: number },
    type: EnvelopeType,
    content: Uint8Array,
    sender: { readonly principal: Principal; readonly conversationId: string | null } | null = null,
  ): EnvelopeRecord {
    return {
      id: envelopeId({
        messageId: message.messageId,
        recipientUserId: recipient.userId,
        recipientDeviceId: recipient.deviceId,
        type,
      }),
      messageId: message.messageId,
      recipientUserId: recipient.userId,
      recipientDeviceId: recipient.deviceId,
      type,
      senderUserId: sender?.principal.userId ?? null,
      senderDeviceId: sender?.principal.deviceId ?? null,
      conversationId: sender?.conversationId ?? null,
      content,
      serverTimestamp: message.now,
      expiresAt: new Date(message.now.getTime() + this.options.retentionMs),
      receiptRequested: false,
    };
  }

  /**
   * Stores the envelopes with the send's idempotency record (a retry gets the first result, and
   * finishes a first attempt that failed half way) and its speaker, then wakes the recipients of
   * the envelopes stored. With a condition, only while the group is at that epoch.
   */
  async storeAndAnnounce(
    principal: Principal,
    clientMessageId: string,
    message: { readonly messageId: string; readonly now: Date },
    envelopes: readonly EnvelopeRecord[],
    options: StoreMessageOptions = {},
  ): Promise<SendResult> {
    const sent: SentMessageRecord = {
      senderUserId: principal.userId,
      senderDeviceId: principal.deviceId,
      clientMessageId,
      messageId: message.messageId,
      serverTimestamp: message.now,
      recipients: envelopes.length,
    };
    const { mailboxQuota } = this.options;
    const outcome = await this.store.storeMessageWithinQuota(
      sent,
      envelopes,
      mailboxQuota,
      options,
    );
    if (outcome.kind === 'mailbox-full') throw new MailboxFullError(mailboxQuota, outcome.full);
    if (outcome.kind === 'stale-epoch') throw new StaleEpochError(outcome.currentEpoch);
    if (outcome.kind === 'stored') await this.events.envelopesStored(outcome.envelopes);
    return outcome.sent;
  }

  checkClientMessageId(clientMessageId: string): void {
    if (clientMessageId.length === 0 || clientMessageId.length > maxClientMessageIdLength) {
      throw new BadUserInputError(
        `clientMessageId must be 1 to ${maxClientMessageIdLength} characters`,
        {
          field: 'clientMessageId',
        },
      );
    }
  }

  /** BAD_USER_INPUT for a send without envelopes, PAYLOAD_TOO_LARGE for more than `max`. */
  checkEnvelopeCount(count: number, max: number): void {
    if (count === 0) throw new BadUserInputError('envelopes is empty', { field: 'envelopes' });
    if (count > max) throw new PayloadTooLargeError(`at most ${max} envelopes per send`);
  }

  checkContentSize(content: Uint8Array): void {
    if (content.length === 0) throw new BadUserInputError('content is empty', { field: 'content' });
    if (content.length > this.options.maxEnvelopeBytes) {
      throw new PayloadTooLargeError(
        `content is larger than ${this.options.maxEnvelopeBytes} bytes`,
        this.options.maxEnvelopeBytes,
      );
    }
  }
}
