/**
 * What a device must keep between runs, behind one small interface: a string key-value store
 * split into sections. The client encodes every record itself (libsignal serializations and MLS
 * encodings as base64, the rest as JSON), so an app can back it with anything (IndexedDB,
 * Keychain, SQLite) by implementing four methods. Losing it loses the device: its identity key,
 * its sessions and its groups cannot be recovered from the server.
 */

/** The sections of a {@link GuardynStore}; see client/README.md for what each holds and why. */
export type StoreSection =
  /** The device: user and device ids, identity key pair, registration id, tokens, key counters. */
  | 'account'
  /** Peers' identity keys by `<userId>.<deviceId>`, trusted on first use (pinning). */
  | 'identities'
  /** libsignal sessions by `<userId>.<deviceId>`. */
  | 'sessions'
  /** One-time EC prekeys by id; deleted when a PreKeySignalMessage consumes one. */
  | 'preKeys'
  /** Signed EC prekeys by id (the current one and the previous one after a rotation). */
  | 'signedPreKeys'
  /** Kyber prekeys by id, one-time and last-resort. */
  | 'kyberPreKeys'
  /** MLS KeyPackages not yet used to join, with their private keys, by hex KeyPackageRef. */
  | 'keyPackages'
  /** MLS group states by conversation id. */
  | 'groups'
  /** Decrypted messages not yet acknowledged, by envelope id: each is shown once, even after a crash. */
  | 'pending'
  /** Per user id (this account's own included): their sealed-sender access key, the direct conversation. */
  | 'contacts'
  /** Sealed sender: the trust root (pinned or trusted on first use) and the cached sender certificate. */
  | 'sealedSender';

/** Where a client keeps its device. Writes must be durable when the promise resolves. */
export interface GuardynStore {
  get(section: StoreSection, key: string): Promise<string | undefined>;
  set(section: StoreSection, key: string, value: string): Promise<void>;
  delete(section: StoreSection, key: string): Promise<void>;
  keys(section: StoreSection): Promise<string[]>;
  /** Releases files or handles; the client calls it from `close()`. */
  close?(): Promise<void>;
}

/** A store in memory, for tests and throwaway sessions: everything is lost with the process. */
export class MemoryStore implements GuardynStore {
  readonly #sections = new Map<StoreSection, Map<string, string>>();

  async get(section: StoreSection, key: string): Promise<string | undefined> {
    return this.#sections.get(section)?.get(key);
  }

  async set(section: StoreSection, key: string, value: string): Promise<void> {
    this.#section(section).set(key, value);
  }

  async delete(section: StoreSection, key: string): Promise<void> {
    this.#sections.get(section)?.delete(key);
  }

  async keys(section: StoreSection): Promise<string[]> {
    return [...(this.#sections.get(section)?.keys() ?? [])];
  }

  /** Every section as plain objects, for {@link FileStore} and for tests that inspect a device. */
  snapshot(): Partial<Record<StoreSection, Record<string, string>>> {
    return Object.fromEntries(
      [...this.#sections].map(([section, entries]) => [section, Object.fromEntries(entries)]),
    );
  }

  /** Replaces the content with a {@link snapshot}. */
  restore(snapshot: Partial<Record<StoreSection, Record<string, string>>>): void {
    this.#sections.clear();
    for (const [section, entries] of Object.entries(snapshot)) {
      this.#sections.set(section as StoreSection, new Map(Object.entries(entries ?? {})));
    }
  }

  #section(section: StoreSection): Map<string, string> {
    let entries = this.#sections.get(section);
    if (entries === undefined) {
      entries = new Map();
      this.#sections.set(section, entries);
    }
    return entries;
  }
}
