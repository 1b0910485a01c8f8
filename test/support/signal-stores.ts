/**
 * In-memory implementations of libsignal's store interfaces, holding one test device's private
 * records and sessions. Enough for `processPreKeyBundle`, `signalEncrypt` and
 * `signalDecryptPreKey`; nothing is persisted.
 */
import {
  IdentityChange,
  IdentityKeyStore,
  KyberPreKeyStore,
  PreKeyStore,
  SessionStore,
  SignedPreKeyStore,
} from '@signalapp/libsignal-client';
import type {
  Direction,
  IdentityKeyPair,
  KyberPreKeyRecord,
  PreKeyRecord,
  PrivateKey,
  ProtocolAddress,
  PublicKey,
  SessionRecord,
  SignedPreKeyRecord,
} from '@signalapp/libsignal-client';

/** The device's own identity, and the identities of peers trusted on first use. */
export class InMemoryIdentityKeyStore extends IdentityKeyStore {
  readonly #peers = new Map<string, PublicKey>();

  constructor(
    private readonly identityKeyPair: IdentityKeyPair,
    private readonly registrationId: number,
  ) {
    super();
  }

  async getIdentityKey(): Promise<PrivateKey> {
    return this.identityKeyPair.privateKey;
  }

  async getLocalRegistrationId(): Promise<number> {
    return this.registrationId;
  }

  async saveIdentity(address: ProtocolAddress, key: PublicKey): Promise<IdentityChange> {
    const previous = this.#peers.get(address.toString());
    this.#peers.set(address.toString(), key);
    return previous !== undefined && !previous.equals(key)
      ? IdentityChange.ReplacedExisting
      : IdentityChange.NewOrUnchanged;
  }

  /** Trust on first use: a peer's identity is trusted unless it differs from the saved one. */
  async isTrustedIdentity(
    address: ProtocolAddress,
    key: PublicKey,
    _direction: Direction,
  ): Promise<boolean> {
    const saved = this.#peers.get(address.toString());
    return saved === undefined || saved.equals(key);
  }

  async getIdentity(address: ProtocolAddress): Promise<PublicKey | null> {
    return this.#peers.get(address.toString()) ?? null;
  }
}

/** Sessions with peers, by `<name>.<deviceId>`. */
export class InMemorySessionStore extends SessionStore {
  readonly #sessions = new Map<string, SessionRecord>();

  async saveSession(address: ProtocolAddress, record: SessionRecord): Promise<void> {
    this.#sessions.set(address.toString(), record);
  }

  async getSession(address: ProtocolAddress): Promise<SessionRecord | null> {
    return this.#sessions.get(address.toString()) ?? null;
  }

  async getExistingSessions(addresses: ProtocolAddress[]): Promise<SessionRecord[]> {
    return addresses.map((address) => {
      const record = this.#sessions.get(address.toString());
      if (record === undefined) throw new Error(`no session with ${address.toString()}`);
      return record;
    });
  }
}

/** One-time EC prekeys; libsignal removes each one when a PreKeySignalMessage consumes it. */
export class InMemoryPreKeyStore extends PreKeyStore {
  readonly #records = new Map<number, PreKeyRecord>();

  async savePreKey(id: number, record: PreKeyRecord): Promise<void> {
    this.#records.set(id, record);
  }

  async getPreKey(id: number): Promise<PreKeyRecord> {
    return found(this.#records.get(id), `prekey ${id}`);
  }

  async removePreKey(id: number): Promise<void> {
    this.#records.delete(id);
  }

  /** Ids still held, for assertions. */
  ids(): number[] {
    return [...this.#records.keys()];
  }
}

/** Signed EC prekeys. */
export class InMemorySignedPreKeyStore extends SignedPreKeyStore {
  readonly #records = new Map<number, SignedPreKeyRecord>();

  async saveSignedPreKey(id: number, record: SignedPreKeyRecord): Promise<void> {
    this.#records.set(id, record);
  }

  async getSignedPreKey(id: number): Promise<SignedPreKeyRecord> {
    return found(this.#records.get(id), `signed prekey ${id}`);
  }
}

/**
 * Kyber prekeys, one-time and last-resort in one id space. A one-time key is deleted once used;
 * the last-resort key stays.
 */
export class InMemoryKyberPreKeyStore extends KyberPreKeyStore {
  readonly #records = new Map<number, KyberPreKeyRecord>();
  readonly #lastResortIds = new Set<number>();

  async saveKyberPreKey(id: number, record: KyberPreKeyRecord): Promise<void> {
    this.#records.set(id, record);
  }

  /** Saves a last-resort key, which {@link markKyberPreKeyUsed} keeps. */
  async saveLastResortKyberPreKey(id: number, record: KyberPreKeyRecord): Promise<void> {
    this.#lastResortIds.add(id);
    this.#records.set(id, record);
  }

  async getKyberPreKey(id: number): Promise<KyberPreKeyRecord> {
    return found(this.#records.get(id), `Kyber prekey ${id}`);
  }

  async markKyberPreKeyUsed(
    id: number,
    _signedPreKeyId: number,
    _baseKey: PublicKey,
  ): Promise<void> {
    if (!this.#lastResortIds.has(id)) this.#records.delete(id);
  }

  /** Ids still held, for assertions. */
  ids(): number[] {
    return [...this.#records.keys()];
  }
}

/** All the stores of one device. */
export interface SignalProtocolStores {
  readonly identity: InMemoryIdentityKeyStore;
  readonly sessions: InMemorySessionStore;
  readonly preKeys: InMemoryPreKeyStore;
  readonly signedPreKeys: InMemorySignedPreKeyStore;
  readonly kyberPreKeys: InMemoryKyberPreKeyStore;
}

/** Empty stores for a device with this identity and registration id. */
export function createSignalProtocolStores(
  identityKeyPair: IdentityKeyPair,
  registrationId: number,
): SignalProtocolStores {
  return {
    identity: new InMemoryIdentityKeyStore(identityKeyPair, registrationId),
    sessions: new InMemorySessionStore(),
    preKeys: new InMemoryPreKeyStore(),
    signedPreKeys: new InMemorySignedPreKeyStore(),
    kyberPreKeys: new InMemoryKyberPreKeyStore(),
  };
}

function found<T>(record: T | undefined, what: string): T {
  // libsignal expects a throw, not a null, for a missing prekey.
  if (record === undefined) throw new Error(`no ${what}`);
  return record;
}
