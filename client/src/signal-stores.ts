/**
 * libsignal's store interfaces over a {@link GuardynStore}: every session, identity and prekey
 * record is saved as base64 of libsignal's own serialization, so the device survives restarts.
 */
import {
  IdentityChange,
  IdentityKeyStore,
  KyberPreKeyRecord,
  KyberPreKeyStore,
  PreKeyRecord,
  PreKeyStore,
  PublicKey,
  SessionRecord,
  SessionStore,
  SignedPreKeyRecord,
  SignedPreKeyStore,
} from '@signalapp/libsignal-client';
import type {
  Direction,
  PrivateKey,
  ProtocolAddress,
  IdentityKeyPair,
} from '@signalapp/libsignal-client';
import { fromBase64, toBase64 } from './encoding.js';
import type { GuardynStore } from './store.js';

/** The device's identity, and peers' identities trusted on first use (see README: pinning). */
export class StoredIdentityKeyStore extends IdentityKeyStore {
  constructor(
    private readonly store: GuardynStore,
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
    const previous = await this.getIdentity(address);
    await this.store.set('identities', address.toString(), toBase64(key.serialize()));
    return previous !== null && !previous.equals(key)
      ? IdentityChange.ReplacedExisting
      : IdentityChange.NewOrUnchanged;
  }

  /** Trust on first use: a peer's identity is trusted unless it differs from the saved one. */
  async isTrustedIdentity(
    address: ProtocolAddress,
    key: PublicKey,
    _direction: Direction,
  ): Promise<boolean> {
    const saved = await this.getIdentity(address);
    return saved === null || saved.equals(key);
  }

  async getIdentity(address: ProtocolAddress): Promise<PublicKey | null> {
    const saved = await this.store.get('identities', address.toString());
    return saved === undefined ? null : PublicKey.deserialize(fromBase64(saved));
  }
}

export class StoredSessionStore extends SessionStore {
  constructor(private readonly store: GuardynStore) {
    super();
  }

  async saveSession(address: ProtocolAddress, record: SessionRecord): Promise<void> {
    await this.store.set('sessions', address.toString(), toBase64(record.serialize()));
  }

  async getSession(address: ProtocolAddress): Promise<SessionRecord | null> {
    const saved = await this.store.get('sessions', address.toString());
    return saved === undefined ? null : SessionRecord.deserialize(fromBase64(saved));
  }

  async getExistingSessions(addresses: ProtocolAddress[]): Promise<SessionRecord[]> {
    return Promise.all(
      addresses.map(async (address) => {
        const record = await this.getSession(address);
        if (record === null) throw new Error(`no session with ${address.toString()}`);
        return record;
      }),
    );
  }
}

export class StoredPreKeyStore extends PreKeyStore {
  constructor(private readonly store: GuardynStore) {
    super();
  }

  async savePreKey(id: number, record: PreKeyRecord): Promise<void> {
    await this.store.set('preKeys', String(id), toBase64(record.serialize()));
  }

  async getPreKey(id: number): Promise<PreKeyRecord> {
    return PreKeyRecord.deserialize(fromBase64(await required(this.store, 'preKeys', id)));
  }

  async removePreKey(id: number): Promise<void> {
    await this.store.delete('preKeys', String(id));
  }
}

export class StoredSignedPreKeyStore extends SignedPreKeyStore {
  constructor(private readonly store: GuardynStore) {
    super();
  }

  async saveSignedPreKey(id: number, record: SignedPreKeyRecord): Promise<void> {
    await this.store.set('signedPreKeys', String(id), toBase64(record.serialize()));
  }

  async getSignedPreKey(id: number): Promise<SignedPreKeyRecord> {
    return SignedPreKeyRecord.deserialize(
      fromBase64(await required(this.store, 'signedPreKeys', id)),
    );
  }
}

/** Kyber prekeys; a one-time key is deleted once used, a last-resort key stays. */
export class StoredKyberPreKeyStore extends KyberPreKeyStore {
  constructor(private readonly store: GuardynStore) {
    super();
  }

  async saveKyberPreKey(id: number, record: KyberPreKeyRecord): Promise<void> {
    await this.#save(id, record, false);
  }

  async saveLastResortKyberPreKey(id: number, record: KyberPreKeyRecord): Promise<void> {
    await this.#save(id, record, true);
  }

  async getKyberPreKey(id: number): Promise<KyberPreKeyRecord> {
    const saved = JSON.parse(await required(this.store, 'kyberPreKeys', id)) as StoredKyber;
    return KyberPreKeyRecord.deserialize(fromBase64(saved.record));
  }

  async markKyberPreKeyUsed(
    id: number,
    _signedPreKeyId: number,
    _baseKey: PublicKey,
  ): Promise<void> {
    const saved = await this.store.get('kyberPreKeys', String(id));
    if (saved !== undefined && !(JSON.parse(saved) as StoredKyber).lastResort) {
      await this.store.delete('kyberPreKeys', String(id));
    }
  }

  async #save(id: number, record: KyberPreKeyRecord, lastResort: boolean): Promise<void> {
    const saved: StoredKyber = { record: toBase64(record.serialize()), lastResort };
    await this.store.set('kyberPreKeys', String(id), JSON.stringify(saved));
  }
}

interface StoredKyber {
  readonly record: string;
  readonly lastResort: boolean;
}

/** All the libsignal stores of one device. */
export interface SignalStores {
  readonly identity: StoredIdentityKeyStore;
  readonly sessions: StoredSessionStore;
  readonly preKeys: StoredPreKeyStore;
  readonly signedPreKeys: StoredSignedPreKeyStore;
  readonly kyberPreKeys: StoredKyberPreKeyStore;
}

export function signalStores(
  store: GuardynStore,
  identityKeyPair: IdentityKeyPair,
  registrationId: number,
): SignalStores {
  return {
    identity: new StoredIdentityKeyStore(store, identityKeyPair, registrationId),
    sessions: new StoredSessionStore(store),
    preKeys: new StoredPreKeyStore(store),
    signedPreKeys: new StoredSignedPreKeyStore(store),
    kyberPreKeys: new StoredKyberPreKeyStore(store),
  };
}

async function required(
  store: GuardynStore,
  section: 'preKeys' | 'signedPreKeys' | 'kyberPreKeys',
  id: number,
): Promise<string> {
  const saved = await store.get(section, String(id));
  // libsignal expects a throw, not a null, for a missing prekey.
  if (saved === undefined) throw new Error(`no ${section} record ${id}`);
  return saved;
}
