import { BadUserInputError } from '../../shared/errors/index.js';
import type { EnvelopeType } from './store.js';

/**
 * Whether a send to another user is sealed: all its envelopes for the recipient are
 * SEALED_SENDER. A sealed send must leave nothing that links its sender to those envelopes, so
 * one that mixes sealed and unsealed envelopes for the recipient is refused (the unsealed ones
 * would name the sender of the same message). The sender's own devices may get either kind.
 */
export function isSealedSend(
  targets: readonly {
    readonly userId: string;
    readonly envelope: { readonly type: EnvelopeType };
  }[],
  recipientId: string,
  senderUserId: string,
): boolean {
  if (recipientId === senderUserId) return false;
  const forRecipient = targets.filter((target) => target.userId === recipientId);
  const sealed = forRecipient.filter((target) => target.envelope.type === 'SEALED_SENDER');
  if (sealed.length > 0 && sealed.length < forRecipient.length) {
    throw new BadUserInputError(
      'envelopes for the recipient are either all SEALED_SENDER or none of them',
      { field: 'envelopes' },
    );
  }
  return sealed.length > 0;
}
