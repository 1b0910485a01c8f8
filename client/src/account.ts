/**
 * The device's own record in the store's `account` section: who it is, its tokens and the
 * counters its key generation continues from.
 */
import type { Tokens } from './graphql.js';
import type { GuardynStore } from './store.js';

export interface AccountRecord {
  readonly userId: string;
  readonly deviceId: number;
  readonly username: string;
  readonly registrationId: number;
  /** Base64 of libsignal's `IdentityKeyPair.serialize()`. */
  readonly identityKeyPair: string;
  readonly tokens: Tokens;
  /** The next id of a one-time EC prekey. */
  readonly nextPreKeyId: number;
  /** The next id of a Kyber prekey (one-time and last-resort share the id space). */
  readonly nextKyberPreKeyId: number;
  /** Id of the current signed EC prekey, and when it was made (ms since the epoch). */
  readonly signedPreKeyId: number;
  readonly signedPreKeyCreatedAt: number;
  /** The device's MLS signature key pair, base64. */
  readonly mlsSignatureKey: { readonly signKey: string; readonly publicKey: string };
}

const KEY = 'device';

export async function loadAccount(store: GuardynStore): Promise<AccountRecord | undefined> {
  const text = await store.get('account', KEY);
  return text === undefined ? undefined : (JSON.parse(text) as AccountRecord);
}

export async function saveAccount(store: GuardynStore, account: AccountRecord): Promise<void> {
  await store.set('account', KEY, JSON.stringify(account));
}
