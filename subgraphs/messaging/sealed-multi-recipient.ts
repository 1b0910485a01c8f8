import SealedSenderMultiRecipientMessage from '@signalapp/libsignal-client/dist/SealedSenderMultiRecipientMessage.js';
import { BadUserInputError } from '../../shared/errors/index.js';

/** One recipient of a multi-recipient sealed send: its devices and the share they all get. */
export interface SealedShare {
  readonly userId: string;
  readonly devices: readonly { readonly deviceId: number; readonly registrationId: number }[];
  /** libsignal's "ReceivedMessage" for this recipient: the same bytes for each of its devices. */
  readonly content: Uint8Array;
}

const aciPattern = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/**
 * Parses `sealedSenderMultiRecipientEncrypt` output with libsignal's server-side API: the
 * recipients it names (user ids as ACI service ids), each with its devices and registration ids,
 * and each recipient's share of the body. BAD_USER_INPUT for bytes that do not parse, a recipient
 * that is not a user id (e.g. a PNI), or a payload that names nobody.
 */
export function parseMultiRecipientPayload(payload: Uint8Array): SealedShare[] {
  let message: SealedSenderMultiRecipientMessage;
  try {
    message = new SealedSenderMultiRecipientMessage(Uint8Array.from(payload));
  } catch (cause) {
    throw new BadUserInputError(
      'payload is not a sealed-sender multi-recipient message',
      {
        field: 'payload',
      },
      { cause },
    );
  }
  const recipients = Object.entries(message.recipientsByServiceIdString());
  if (recipients.length === 0) {
    throw new BadUserInputError('payload names no recipient', { field: 'payload' });
  }
  return recipients.map(([serviceId, recipient]) => {
    if (!aciPattern.test(serviceId)) {
      throw new BadUserInputError('payload names a recipient that is not a user id', {
        field: 'payload',
      });
    }
    return {
      userId: serviceId,
      devices: recipient.deviceIds.map((deviceId, index) => ({
        deviceId,
        registrationId: recipient.registrationIds[index] ?? 0,
      })),
      content: message.messageForRecipient(recipient),
    };
  });
}
