/**
 * `GuardynClient`: one device of one account, and everything end-to-end encryption needs done on
 * it. The modules beside this one do the work: auth.ts (devices come to be), direct-send.ts and
 * mailbox.ts (one-to-one and receiving), group.ts (MLS), attachments.ts, realtime.ts.
 */
import { loginDevice, newDevice, resumeDevice } from './auth.js';
import { downloadAttachment, uploadAttachment, type AttachmentPointer } from './attachments.js';
import { defaultKeyUpkeep, type Device, type KeyUpkeep } from './device.js';
import { sendDirect, type SendReceipt } from './direct-send.js';
import { bodyBytes } from './encoding.js';
import { Group } from './group.js';
import { receiveMessages, type Message } from './mailbox.js';
import {
  onPresence,
  onTyping,
  setTyping,
  type PresenceEvent,
  type TypingEvent,
} from './realtime.js';
import { forgetIdentity, safetyNumber } from './safety-number.js';
import { createAccessKey, pinTrustRoot } from './sealed-sender.js';
import { DeviceSocket } from './socket.js';
import { MemoryStore, type GuardynStore } from './store.js';

/** How to reach Guardyn and where the device lives. */
export interface ConnectOptions {
  /** The gateway's GraphQL endpoint, e.g. `https://chat.example.org/graphql`. */
  readonly url: string;
  readonly username: string;
  readonly password: string;
  /** @default a new {@link MemoryStore} (register and linkDevice only) */
  readonly store?: GuardynStore;
  /** Shown in the account's device list. */
  readonly deviceName?: string;
  /** Key stock and rotation; see {@link KeyUpkeep}. */
  readonly keys?: Partial<KeyUpkeep>;
  /** Told about envelopes that cannot be decrypted (they are acknowledged and skipped). */
  readonly onError?: (error: unknown, context: string) => void;
  /** Called each time the realtime socket is up: at first, then after every reconnect. */
  readonly onConnected?: () => void;
  /**
   * Sealed sender's trust root as the app ships it (base64, `Query.sealedSenderTrustRoot` fetched
   * at build time). Without it the first sealed message makes the client fetch it from the server
   * and keep it (trust on first use). See client/README.md, "Sealed sender".
   */
  readonly trustRoot?: string;
}

export class GuardynClient {
  readonly #device: Device;
  readonly #socket: DeviceSocket;
  readonly #onError: (error: unknown, context: string) => void;
  #receiving = false;

  private constructor(device: Device, options: Pick<ConnectOptions, 'onError' | 'onConnected'>) {
    this.#device = device;
    this.#socket = new DeviceSocket(device.session, options.onConnected);
    this.#onError = options.onError ?? (() => undefined);
  }

  /** A new account with this device as its first: keys generated here, public halves uploaded. */
  static async register(options: ConnectOptions): Promise<GuardynClient> {
    const device = await newDevice(
      'register',
      options.url,
      storeOf(options),
      upkeepOf(options),
      options,
    );
    await createAccessKey(device);
    return GuardynClient.#ready(device, options);
  }

  /** The device kept in `store`, signed in again. */
  static async login(
    options: ConnectOptions & { readonly store: GuardynStore },
  ): Promise<GuardynClient> {
    const device = await loginDevice(options.url, options.store, upkeepOf(options), options);
    return GuardynClient.#ready(device, options);
  }

  /**
   * The device kept in `store`, without a password (what an app does when it starts again): its
   * saved tokens, refreshed when expired. UNAUTHENTICATED once the session was revoked.
   */
  static async resume(
    options: Omit<ConnectOptions, 'username' | 'password'> & { readonly store: GuardynStore },
  ): Promise<GuardynClient> {
    const device = await resumeDevice(options.url, options.store, upkeepOf(options));
    return GuardynClient.#ready(device, options);
  }

  /** A new device of an existing account (at most 6 per account). */
  static async linkDevice(options: ConnectOptions): Promise<GuardynClient> {
    const device = await newDevice(
      'link',
      options.url,
      storeOf(options),
      upkeepOf(options),
      options,
    );
    return GuardynClient.#ready(device, options);
  }

  static async #ready(
    device: Device,
    options: Pick<ConnectOptions, 'onError' | 'onConnected' | 'trustRoot'>,
  ): Promise<GuardynClient> {
    if (options.trustRoot !== undefined) await pinTrustRoot(device, options.trustRoot);
    return new GuardynClient(device, options);
  }

  get userId(): string {
    return this.#device.account.userId;
  }

  get deviceId(): number {
    return this.#device.account.deviceId;
  }

  get store(): GuardynStore {
    return this.#device.store;
  }

  /** Sends to every device of `userId` and to this account's other devices. */
  send(userId: string, body: Uint8Array | string): Promise<SendReceipt> {
    return sendDirect(this.#device, userId, bodyBytes(body));
  }

  /**
   * This device's messages, decrypted, in order, each once; each is acknowledged when the loop
   * body is done with it. One loop at a time per client.
   */
  async *messages(): AsyncGenerator<Message, void, undefined> {
    if (this.#receiving) throw new Error('messages() is already being read on this client');
    this.#receiving = true;
    try {
      yield* receiveMessages(this.#device, this.#socket, (error, id) =>
        this.#onError(error, `envelope ${id}`),
      );
    } finally {
      this.#receiving = false;
    }
  }

  /** Creates an MLS group with these users (every device of each). */
  createGroup(userIds: readonly string[]): Promise<Group> {
    return Group.create(this.#device, userIds);
  }

  /** A group this device is in (it joined when its Welcome came through {@link messages}). */
  async group(conversationId: string): Promise<Group> {
    if ((await this.#device.store.get('groups', conversationId)) === undefined) {
      throw new Error(`this device is not in group ${conversationId}`);
    }
    return new Group(this.#device, conversationId);
  }

  uploadAttachment(
    bytes: Uint8Array,
    options: { readonly contentType?: string } = {},
  ): Promise<AttachmentPointer> {
    return uploadAttachment(this.#device, bytes, options);
  }

  downloadAttachment(pointer: AttachmentPointer): Promise<Uint8Array> {
    return downloadAttachment(this.#device, pointer);
  }

  /** Tells the conversation's members this user is (or stopped) typing. */
  typing(conversationId: string, typing: boolean): Promise<void> {
    return setTyping(this.#device, conversationId, typing);
  }

  /** Calls `listener` when someone types in the conversation; returns the function that stops. */
  onTyping(conversationId: string, listener: (event: TypingEvent) => void): () => void {
    return onTyping(this.#socket, conversationId, listener, (error) =>
      this.#onError(error, `typing ${conversationId}`),
    );
  }

  /** Calls `listener` when these users' presence changes; returns the function that stops. */
  onPresence(userIds: readonly string[], listener: (event: PresenceEvent) => void): () => void {
    return onPresence(this.#socket, userIds, listener, (error) => this.#onError(error, 'presence'));
  }

  /**
   * The 60-digit safety number with a peer's device (the same on both sides when no one sits in
   * between), or null before any session with it. See client/README.md, "Pinning keys".
   */
  safetyNumber(userId: string, deviceId = 1): Promise<string | null> {
    return safetyNumber(this.#device, userId, deviceId);
  }

  /** Accepts a peer device's changed identity key (after verifying its new safety number). */
  forgetIdentity(userId: string, deviceId: number): Promise<void> {
    return forgetIdentity(this.#device, userId, deviceId);
  }

  /** Drops the socket so it reconnects, as a network change would (subscriptions resume). */
  reconnect(): void {
    this.#socket.reconnect();
  }

  /** Closes the socket (ending {@link messages}) and the store. */
  async close(): Promise<void> {
    await this.#socket.close();
    await this.#device.store.close?.();
  }
}

function storeOf(options: ConnectOptions): GuardynStore {
  return options.store ?? new MemoryStore();
}

function upkeepOf(options: Pick<ConnectOptions, 'keys'>): KeyUpkeep {
  return { ...defaultKeyUpkeep, ...options.keys };
}
