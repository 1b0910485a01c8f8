/**
 * What arrives for groups: a Welcome (join with the KeyPackage it names, then replace that
 * KeyPackage on the server), commits (advance the epoch) and application messages (decrypt).
 */
import {
  acceptAll,
  decodeMlsMessage,
  emptyPskIndex,
  joinGroup,
  processMessage,
  type MLSMessage,
} from 'ts-mls';
import type { Device } from './device.js';
import { fromBase64 } from './encoding.js';
import { loadGroupState, saveGroupState } from './group-state.js';
import { findKeyPackage } from './mls-keys.js';

export async function joinFromWelcome(
  device: Device,
  conversationId: string,
  content: string,
): Promise<void> {
  const message = decode(content);
  if (message.wireformat !== 'mls_welcome') throw new Error('not a Welcome');
  for (const secret of message.welcome.secrets) {
    const own = await findKeyPackage(device.store, secret.newMember);
    if (own === undefined) continue;
    const state = await joinGroup(
      message.welcome,
      own.keyPackage,
      own.privatePackage,
      emptyPskIndex,
      device.mls.cipherSuite,
    );
    await saveGroupState(device.store, conversationId, state);
    // A last-resort KeyPackage is handed out again and again: its keys must stay.
    if (!own.lastResort) {
      await device.store.delete('keyPackages', own.key);
      await device.uploadKeyPackages(1);
    }
    return;
  }
  throw new Error('the Welcome names none of this device’s KeyPackages');
}

/** Applies a commit or decrypts an application message; returns the plaintext of the latter. */
export async function processGroupMessage(
  device: Device,
  conversationId: string,
  content: string,
): Promise<Uint8Array | null> {
  const state = await loadGroupState(device.store, conversationId);
  if (state === undefined) return null;
  const message = decode(content);
  if (message.wireformat !== 'mls_private_message' && message.wireformat !== 'mls_public_message') {
    throw new Error(`cannot process a ${message.wireformat} as a group message`);
  }
  const result = await processMessage(
    message,
    state,
    emptyPskIndex,
    acceptAll,
    device.mls.cipherSuite,
  );
  if (result.newState.groupActiveState.kind !== 'active') {
    // A commit removed this device: it keeps nothing of the group.
    await device.store.delete('groups', conversationId);
    return null;
  }
  await saveGroupState(device.store, conversationId, result.newState);
  return result.kind === 'applicationMessage' ? result.message : null;
}

function decode(content: string): MLSMessage {
  const decoded = decodeMlsMessage(fromBase64(content), 0);
  if (decoded === undefined) throw new Error('not an encoded MLSMessage');
  return decoded[0];
}
