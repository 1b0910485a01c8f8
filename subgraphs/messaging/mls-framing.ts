import { decodeMlsMessage, type MLSMessage } from 'ts-mls';
import { BadUserInputError } from '../../shared/errors/index.js';

/** What the delivery service may read of an MLS handshake or application message (RFC 9420 §6). */
export interface MlsFrame {
  readonly groupId: Uint8Array;
  readonly epoch: bigint;
  readonly contentType: 'application' | 'proposal' | 'commit';
}

/** Decodes exactly one MLSMessage; anything else (bad bytes, trailing bytes) is BAD_USER_INPUT. */
function decodeOne(bytes: Uint8Array, field: string): MLSMessage {
  let decoded: ReturnType<typeof decodeMlsMessage>;
  try {
    decoded = decodeMlsMessage(bytes, 0);
  } catch (cause) {
    throw new BadUserInputError(`${field} is not an MLSMessage`, { field }, { cause });
  }
  if (!decoded || decoded[1] !== bytes.length) {
    throw new BadUserInputError(`${field} is not exactly one MLSMessage`, { field });
  }
  if (decoded[0].version !== 'mls10')
    throw new BadUserInputError(`${field} is not MLS 1.0`, { field });
  return decoded[0];
}

/**
 * Reads the framing of a PublicMessage or PrivateMessage: group id, epoch and content type are
 * in the clear in both (a PrivateMessage encrypts only the sender and the content).
 */
export function readMlsFrame(bytes: Uint8Array, field: string): MlsFrame {
  const message = decodeOne(bytes, field);
  switch (message.wireformat) {
    case 'mls_public_message': {
      const { groupId, epoch, contentType } = message.publicMessage.content;
      return { groupId, epoch, contentType };
    }
    case 'mls_private_message': {
      const { groupId, epoch, contentType } = message.privateMessage;
      return { groupId, epoch, contentType };
    }
    default:
      throw new BadUserInputError(
        `${field} must be a PublicMessage or PrivateMessage, not ${message.wireformat}`,
        {
          field,
        },
      );
  }
}

/** Checks that the bytes are one MLSMessage carrying a Welcome. */
export function checkWelcome(bytes: Uint8Array, field: string): void {
  const message = decodeOne(bytes, field);
  if (message.wireformat !== 'mls_welcome') {
    throw new BadUserInputError(`${field} must be a Welcome, not ${message.wireformat}`, { field });
  }
}

/** Checks a frame against the group and epoch the client claims, and the expected content. */
export function checkFrame(
  frame: MlsFrame,
  expected: {
    groupId: Uint8Array;
    epoch: number;
    contentTypes: readonly MlsFrame['contentType'][];
  },
  field: string,
): void {
  if (Buffer.compare(Buffer.from(frame.groupId), Buffer.from(expected.groupId)) !== 0) {
    throw new BadUserInputError(`${field} belongs to another MLS group`, { field });
  }
  if (frame.epoch !== BigInt(expected.epoch)) {
    throw new BadUserInputError(`${field} is for epoch ${frame.epoch}, not ${expected.epoch}`, {
      field,
    });
  }
  if (!expected.contentTypes.includes(frame.contentType)) {
    throw new BadUserInputError(
      `${field} carries a ${frame.contentType}, expected ${expected.contentTypes.join(' or ')}`,
      {
        field,
      },
    );
  }
}
