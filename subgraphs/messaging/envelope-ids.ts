/**
 * Envelope ids derived from their send, so that a retried send rewrites the same mailbox rows
 * instead of adding copies (docs/delivery.md, "Sends that survive a failing store or bus").
 */
import { createHash } from 'node:crypto';
import type { EnvelopeRecord, EnvelopeType } from './store.js';

/** What an envelope's id is derived from: its message and its recipient device. */
export interface EnvelopeIdSource {
  readonly messageId: string;
  readonly recipientUserId: string;
  readonly recipientDeviceId: number;
  readonly type: EnvelopeType;
}

/**
 * A UUIDv7 that is a function of the message and the recipient device: the first 64 bits are the
 * message id's (its milliseconds and this process's sequence within them, so envelopes sort in
 * mailboxes as their messages were made), the last 62 bits a SHA-256 of the message id, the
 * recipient device and the envelope type (the variant bits kept). One message gives a device one
 * envelope of each type, so ids within a message are distinct.
 */
export function envelopeId(source: EnvelopeIdSource): string {
  const head = source.messageId.replaceAll('-', '').slice(0, 16);
  const digest = createHash('sha256')
    .update(
      `${source.messageId}\u0000${source.recipientUserId}\u0000${source.recipientDeviceId}\u0000${source.type}`,
    )
    .digest();
  const tail = Buffer.from(digest.subarray(0, 8));
  tail[0] = 0x80 | ((tail[0] ?? 0) & 0x3f);
  const hex = head + tail.toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/** The message a send's idempotency record claimed: what a retry must write again. */
export interface ClaimedMessage {
  readonly messageId: string;
  readonly serverTimestamp: Date;
}

/**
 * The envelopes of a send rewritten for the message its record claimed (an earlier attempt's, or
 * a concurrent one's): that message's id and time, the expiry shifted with them, and the ids that
 * attempt gave the same devices.
 */
export function envelopesOfClaim(
  envelopes: readonly EnvelopeRecord[],
  claim: ClaimedMessage,
): EnvelopeRecord[] {
  return envelopes.map((envelope) => {
    const retention = envelope.expiresAt.getTime() - envelope.serverTimestamp.getTime();
    return {
      ...envelope,
      id: envelopeId({ ...envelope, messageId: claim.messageId }),
      messageId: claim.messageId,
      serverTimestamp: claim.serverTimestamp,
      expiresAt: new Date(claim.serverTimestamp.getTime() + retention),
    };
  });
}
