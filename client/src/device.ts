/**
 * One signed-in device: its store, libsignal stores, MLS identity and HTTP session, and the key
 * upkeep that runs inside the client (one-time prekey and KeyPackage replenishment, signed prekey
 * rotation). Built by auth.ts; used by every feature module.
 */
import { IdentityKeyPair, ProtocolAddress } from '@signalapp/libsignal-client';
import {
  PreKeyCountDocument,
  UploadKeyPackagesDocument,
  UploadPreKeysDocument,
} from './generated/operations.js';
import { loadAccount, saveAccount, type AccountRecord } from './account.js';
import { fromBase64 } from './encoding.js';
import { Session, type Tokens } from './graphql.js';
import { cipherSuite, generateKeyPackages, type MlsIdentity } from './mls-keys.js';
import { generateOneTimePreKeys, generateSignedPreKeys } from './prekeys.js';
import { Serial } from './serial.js';
import { signalStores, type SignalStores } from './signal-stores.js';
import type { GuardynStore } from './store.js';

/** How the client keeps its keys stocked; the defaults suit a phone. */
export interface KeyUpkeep {
  /** One-time EC and Kyber prekeys uploaded at a time. @default 20 */
  readonly preKeyBatch: number;
  /** Upload another batch when the server holds fewer than this of either kind. @default 10 */
  readonly preKeyLowWater: number;
  /** Ordinary KeyPackages uploaded at a time (plus one last-resort at registration). @default 5 */
  readonly keyPackageBatch: number;
  /** Upload another batch when the server holds fewer than this. @default 3 */
  readonly keyPackageLowWater: number;
  /** Rotate the signed prekeys once they are this old. @default 7 days */
  readonly signedPreKeyMaxAgeMs: number;
}

export const defaultKeyUpkeep: KeyUpkeep = {
  preKeyBatch: 20,
  preKeyLowWater: 10,
  keyPackageBatch: 5,
  keyPackageLowWater: 3,
  signedPreKeyMaxAgeMs: 7 * 24 * 60 * 60 * 1000,
};

export class Device {
  #account: AccountRecord;
  /** Where session and group state changes run, one at a time. */
  readonly serial = new Serial();

  private constructor(
    readonly store: GuardynStore,
    readonly session: Session,
    account: AccountRecord,
    readonly identityKeyPair: IdentityKeyPair,
    readonly signal: SignalStores,
    readonly mls: MlsIdentity,
    readonly upkeep: KeyUpkeep,
  ) {
    this.#account = account;
  }

  /** The device from its store's account record (which must exist), signed in with `tokens`. */
  static async open(
    url: string,
    store: GuardynStore,
    upkeep: KeyUpkeep,
    tokens?: Tokens,
  ): Promise<Device> {
    const saved = await loadAccount(store);
    if (saved === undefined) throw new Error('the store holds no device: register or link one');
    const account = tokens === undefined ? saved : { ...saved, tokens };
    await saveAccount(store, account);
    const identityKeyPair = IdentityKeyPair.deserialize(fromBase64(account.identityKeyPair));
    // Refreshed tokens go to the store at once: the old refresh token is spent.
    const session: Session = new Session(url, account.tokens, (fresh): Promise<void> =>
      device.update({ tokens: fresh }),
    );
    const device: Device = new Device(
      store,
      session,
      account,
      identityKeyPair,
      signalStores(store, identityKeyPair, account.registrationId),
      {
        identity: `${account.userId}.${account.deviceId}`,
        cipherSuite: await cipherSuite(),
        signatureKey: {
          signKey: fromBase64(account.mlsSignatureKey.signKey),
          publicKey: fromBase64(account.mlsSignatureKey.publicKey),
        },
      },
      upkeep,
    );
    return device;
  }

  get account(): AccountRecord {
    return this.#account;
  }

  get address(): ProtocolAddress {
    return ProtocolAddress.new(this.#account.userId, this.#account.deviceId);
  }

  async update(change: Partial<AccountRecord>): Promise<void> {
    this.#account = { ...this.#account, ...change };
    await saveAccount(this.store, this.#account);
  }

  /** Uploads one-time prekeys when the server holds fewer than the low-water mark. */
  async replenishPreKeys(): Promise<void> {
    const { preKeyCount } = await this.session.request(PreKeyCountDocument, {});
    const low = this.upkeep.preKeyLowWater;
    if (preKeyCount.ecOneTime >= low && preKeyCount.kyberOneTime >= low) return;
    const batch = this.upkeep.preKeyBatch;
    const generated = await generateOneTimePreKeys(
      this.identityKeyPair,
      this.signal,
      this.#account,
      {
        ec: preKeyCount.ecOneTime < low ? batch : 0,
        kyber: preKeyCount.kyberOneTime < low ? batch : 0,
      },
    );
    // Counters first: a crash after the upload must not reuse ids the server already holds.
    await this.update(generated.counters);
    await this.session.request(UploadPreKeysDocument, {
      input: { preKeys: generated.preKeys, kyberPreKeys: generated.kyberPreKeys },
    });
  }

  /** Replaces the signed EC prekey and the Kyber last-resort prekey once they are too old. */
  async rotateSignedPreKeysIfOld(now = Date.now()): Promise<boolean> {
    if (now - this.#account.signedPreKeyCreatedAt < this.upkeep.signedPreKeyMaxAgeMs) return false;
    const ids = {
      signedPreKeyId: this.#account.signedPreKeyId + 1,
      kyberPreKeyId: this.#account.nextKyberPreKeyId,
    };
    // The old records stay: messages built on them may still be on their way.
    const input = await generateSignedPreKeys(this.identityKeyPair, this.signal, ids);
    await this.update({
      signedPreKeyId: ids.signedPreKeyId,
      signedPreKeyCreatedAt: now,
      nextKyberPreKeyId: ids.kyberPreKeyId + 1,
    });
    await this.session.request(UploadPreKeysDocument, { input });
    return true;
  }

  /** Uploads `count` KeyPackages, then a batch more when the server still holds too few. */
  async uploadKeyPackages(count: number, options: { lastResort?: boolean } = {}): Promise<void> {
    const stored = await this.#uploadKeyPackages(count, options);
    if (stored < this.upkeep.keyPackageLowWater) {
      await this.#uploadKeyPackages(this.upkeep.keyPackageBatch, {});
    }
  }

  async #uploadKeyPackages(count: number, options: { lastResort?: boolean }): Promise<number> {
    const keyPackages = await generateKeyPackages(this.store, this.mls, count, options);
    const { uploadKeyPackages } = await this.session.request(UploadKeyPackagesDocument, {
      keyPackages,
    });
    return uploadKeyPackages;
  }
}
