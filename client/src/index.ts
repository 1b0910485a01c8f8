/**
 * `@guardyn/client`: the client core of a Guardyn app. See client/README.md.
 */
export { GuardynClient, type ConnectOptions } from './client.js';
export { MemoryStore, type GuardynStore, type StoreSection } from './store.js';
export { FileStore } from './file-store.js';
export { GuardynError } from './graphql.js';
export { Group } from './group.js';
export type { Message } from './mailbox.js';
export type { AttachmentPointer } from './attachments.js';
export type { SendReceipt } from './direct-send.js';
export type { KeyUpkeep } from './device.js';
export type { PresenceEvent, PresenceStatus, TypingEvent } from './realtime.js';

// Building blocks, for apps (and this repository's tests) that drive libsignal themselves.
export { signalStores, type SignalStores } from './signal-stores.js';
export {
  decryptFrom,
  encryptFor,
  startSession,
  type ClaimedBundle,
  type DeviceAddress,
  type SignalEnvelopeType,
  type SignalParty,
} from './signal-sessions.js';
export { decodeKeyPackageMessage } from './mls-keys.js';
