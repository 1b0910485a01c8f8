/**
 * The frame around every one-to-one plaintext the SDK sends (inside the Signal ciphertext, so only
 * the devices it is for read it). Besides the app's bytes it carries what a sealed send cannot
 * take from the server: the sender's access key (so the peer can send sealed back) and the direct
 * conversation id. Layout, version 1 (client/README.md, "The frame"):
 *
 *   version (1) | kind (0 message, 1 group Welcome) | key length (0 or 16) | key
 *   | conversation id length (0..255) | conversation id (UTF-8) | payload (the rest)
 */

const VERSION = 1;

/** A message shown to the app, or an MLS Welcome for this account's other devices. */
export type FrameKind = 'message' | 'welcome';

export interface Frame {
  readonly kind: FrameKind;
  /** The sending account's 16-byte access key, when the sending device knows it. */
  readonly accessKey: Uint8Array | null;
  /** The direct conversation (for a Welcome: the group's), when known. */
  readonly conversationId: string | null;
  /** The app's bytes, or the encoded Welcome. */
  readonly payload: Uint8Array;
}

const kinds: readonly FrameKind[] = ['message', 'welcome'];

export function encodeFrame(frame: Frame): Uint8Array<ArrayBuffer> {
  const key = frame.accessKey ?? new Uint8Array();
  if (key.length !== 0 && key.length !== 16) throw new Error('an access key is 16 bytes');
  const conversation = new TextEncoder().encode(frame.conversationId ?? '');
  if (conversation.length > 255) throw new Error('the conversation id is too long for a frame');
  const out = new Uint8Array(4 + key.length + conversation.length + frame.payload.length);
  let at = 0;
  out[at++] = VERSION;
  out[at++] = kinds.indexOf(frame.kind);
  out[at++] = key.length;
  out.set(key, at);
  at += key.length;
  out[at++] = conversation.length;
  out.set(conversation, at);
  at += conversation.length;
  out.set(frame.payload, at);
  return out;
}

/** Reads a frame; throws on anything else (a plaintext that is not a frame is not shown). */
export function decodeFrame(bytes: Uint8Array): Frame {
  const byte = (at: number): number => {
    const value = bytes[at];
    if (value === undefined) throw new Error('truncated frame');
    return value;
  };
  if (byte(0) !== VERSION) throw new Error(`unknown frame version ${bytes[0]}`);
  const kind = kinds[byte(1)];
  if (kind === undefined) throw new Error(`unknown frame kind ${bytes[1]}`);
  const keyLength = byte(2);
  if (keyLength !== 0 && keyLength !== 16) throw new Error('bad access key length in frame');
  const conversationLength = byte(3 + keyLength);
  const payloadStart = 4 + keyLength + conversationLength;
  if (payloadStart > bytes.length) throw new Error('truncated frame');
  const conversationId = new TextDecoder('utf-8', { fatal: true }).decode(
    bytes.subarray(4 + keyLength, payloadStart),
  );
  return {
    kind,
    accessKey: keyLength === 0 ? null : bytes.slice(3, 3 + keyLength),
    conversationId: conversationId === '' ? null : conversationId,
    payload: bytes.slice(payloadStart),
  };
}
