/**
 * The auth subgraph's storage port. Adapters: store.sqlite/ (embedded), store.scylla/
 * (distributed). Every method is atomic on its own; claims hand each key to one caller only.
 */

export interface UserRecord {
  readonly id: string;
  /** Lower-cased; unique. */
  readonly username: string;
  readonly passwordHash: string;
  readonly createdAt: Date;
}

export interface DeviceRecord {
  readonly userId: string;
  readonly deviceId: number;
  readonly registrationId: number;
  readonly name: string | null;
  readonly identityKey: Uint8Array;
  readonly createdAt: Date;
  readonly lastSeenAt: Date | null;
}

/** A device by its owner and Signal device id. */
export interface DeviceKey {
  readonly userId: string;
  readonly deviceId: number;
}

export interface PreKeyRecord {
  readonly keyId: number;
  readonly publicKey: Uint8Array;
}

export interface SignedPreKeyRecord extends PreKeyRecord {
  readonly signature: Uint8Array;
}

/** Everything a new device brings: its identity and its first keys (already verified). */
export interface NewDevice {
  readonly registrationId: number;
  readonly name: string | null;
  readonly identityKey: Uint8Array;
  readonly signedPreKey: SignedPreKeyRecord;
  readonly kyberLastResortPreKey: SignedPreKeyRecord;
  readonly preKeys: readonly PreKeyRecord[];
  readonly kyberPreKeys: readonly SignedPreKeyRecord[];
}

export interface DeviceKeyUpload {
  readonly signedPreKey?: SignedPreKeyRecord;
  readonly kyberLastResortPreKey?: SignedPreKeyRecord;
  readonly preKeys: readonly PreKeyRecord[];
  readonly kyberPreKeys: readonly SignedPreKeyRecord[];
}

/** The two kinds of one-time prekey: EC (unsigned) and Kyber (signed). */
export type OneTimeKeyKind = 'ec' | 'kyber';

export interface PreKeyCounts {
  readonly ecOneTime: number;
  readonly kyberOneTime: number;
}

/** One device's keys as handed to a claimant; one-time keys in it are consumed. */
export interface ClaimedBundle {
  readonly device: DeviceRecord;
  readonly signedPreKey: SignedPreKeyRecord;
  readonly preKey: PreKeyRecord | null;
  /** A one-time Kyber key when one was left, else the last-resort key. */
  readonly kyberPreKey: SignedPreKeyRecord;
}

export interface SessionRecord {
  readonly id: string;
  readonly userId: string;
  readonly deviceId: number;
  readonly createdAt: Date;
  readonly lastUsedAt: Date;
  readonly expiresAt: Date;
}

export interface NewKeyPackage {
  /** Hash of the encoded KeyPackage, for dedupe. */
  readonly reference: Uint8Array;
  readonly keyPackage: Uint8Array;
  readonly notAfter: Date;
  /**
   * Marked with RFC 9420's `last_resort` extension: a device keeps at most one (a newer one
   * replaces it), handed out only when no other KeyPackage of the device is left, never consumed.
   */
  readonly lastResort: boolean;
}

export interface ClaimedKeyPackage {
  readonly userId: string;
  readonly deviceId: number;
  readonly keyPackage: Uint8Array;
}

/**
 * Who may send sealed-sender messages to a user: holders of the 16-byte unidentified-access key
 * (derived by clients from the profile key), or anyone when `unrestricted`. Never shown by any field.
 */
export interface UnidentifiedAccessRecord {
  readonly userId: string;
  /** Null: key-based sealed delivery is off. */
  readonly accessKey: Uint8Array | null;
  readonly unrestricted: boolean;
}

/** What refreshing with a token found. */
export type RefreshOutcome =
  | { readonly kind: 'rotated'; readonly session: SessionRecord }
  /** The token was already used: the session was revoked (reuse detection). */
  | { readonly kind: 'reused'; readonly sessionId: string; readonly userId: string }
  | { readonly kind: 'unknown' };

/** What deleteAccount removed: the account's sessions (to revoke) and devices (to announce). */
export interface DeletedAccount {
  readonly sessionIds: readonly string[];
  readonly deviceIds: readonly number[];
}

/** Thrown by createUser when the (lower-cased) username is taken or quarantined. */
export class UsernameTakenError extends Error {
  constructor() {
    super('username taken');
    this.name = 'UsernameTakenError';
  }
}

/** Thrown by addDevice when the account already has its maximum of devices. */
export class DeviceLimitError extends Error {
  constructor() {
    super('device limit reached');
    this.name = 'DeviceLimitError';
  }
}

export interface AuthStore {
  /**
   * Creates the user with device 1; UsernameTakenError when taken (also under races) or while a
   * deleted account's quarantine of the username lasts (compared with `user.createdAt`).
   */
  createUser(user: UserRecord, device: NewDevice): Promise<DeviceRecord>;
  findUserById(id: string): Promise<UserRecord | null>;
  /** The users among `ids` that exist, in no particular order: one call for a whole list. */
  findUsersByIds(ids: readonly string[]): Promise<UserRecord[]>;
  findUserByUsername(username: string): Promise<UserRecord | null>;

  /** Adds a device with the lowest free id in 2..127; DeviceLimitError beyond `maxDevices`. */
  addDevice(
    userId: string,
    device: NewDevice,
    maxDevices: number,
    now: Date,
  ): Promise<DeviceRecord>;
  findDevice(userId: string, deviceId: number): Promise<DeviceRecord | null>;
  listDevices(userId: string): Promise<DeviceRecord[]>;
  /** The devices among `keys` that exist, in no particular order: one call for a whole list. */
  findDevices(keys: readonly DeviceKey[]): Promise<DeviceRecord[]>;
  /** Every device of each of `userIds`, by user and then device id: one call for a whole list. */
  listDevicesOfUsers(userIds: readonly string[]): Promise<DeviceRecord[]>;
  touchDevice(userId: string, deviceId: number, at: Date): Promise<void>;
  /** Deletes the device, its keys, KeyPackages and sessions; returns the revoked session ids. */
  removeDevice(userId: string, deviceId: number): Promise<string[]>;

  /** Stores keys for a device: replaces signed keys given, appends one-time keys. */
  storeDeviceKeys(userId: string, deviceId: number, upload: DeviceKeyUpload): Promise<void>;
  /** Key ids among `keyIds` already stored for the device, per kind. */
  existingOneTimeKeyIds(
    userId: string,
    deviceId: number,
    kind: OneTimeKeyKind,
    keyIds: readonly number[],
  ): Promise<number[]>;
  countPreKeys(userId: string, deviceId: number): Promise<PreKeyCounts>;
  /** Claims one bundle per device (all devices when `deviceIds` is null). */
  claimBundles(userId: string, deviceIds: readonly number[] | null): Promise<ClaimedBundle[]>;

  /**
   * Stores new KeyPackages (ignoring known references); returns how many were new. A last-resort
   * one replaces the device's previous last-resort KeyPackage; give at most one per call.
   */
  storeKeyPackages(
    userId: string,
    deviceId: number,
    packages: readonly NewKeyPackage[],
  ): Promise<number>;
  /** Unexpired ordinary (not last-resort) KeyPackages of the device. */
  countKeyPackages(userId: string, deviceId: number, now: Date): Promise<number>;
  /**
   * One unexpired KeyPackage per device of the user: the oldest ordinary one, removed as it is
   * handed out (each to one caller only), else the device's last-resort one, which stays.
   */
  claimKeyPackages(userId: string, now: Date): Promise<ClaimedKeyPackage[]>;

  createSession(session: SessionRecord, refreshTokenHash: Uint8Array): Promise<void>;
  findSession(id: string): Promise<SessionRecord | null>;
  listSessions(userId: string, now: Date): Promise<SessionRecord[]>;
  /** Swaps the refresh token (compare-and-set on the presented hash) or detects reuse. */
  rotateRefreshToken(
    presentedHash: Uint8Array,
    nextHash: Uint8Array,
    now: Date,
    expiresAt: Date,
  ): Promise<RefreshOutcome>;
  /** Deletes a session; true when it existed (and belonged to the user). */
  deleteSession(userId: string, sessionId: string): Promise<boolean>;

  /** Sets (replaces) a user's unidentified access. */
  setUnidentifiedAccess(access: UnidentifiedAccessRecord): Promise<void>;
  /** The records among `userIds` that were ever set, in no particular order: one call for a list. */
  findUnidentifiedAccess(userIds: readonly string[]): Promise<UnidentifiedAccessRecord[]>;
  /**
   * Deletes the account with its devices, keys, KeyPackages and sessions, and quarantines its
   * username until `quarantinedUntil` (createUser refuses it meanwhile). Null, changing nothing,
   * when there is no such account.
   */
  deleteAccount(userId: string, quarantinedUntil: Date): Promise<DeletedAccount | null>;

  /** Readiness for /health. */
  ping(): Promise<void>;
  close(): Promise<void>;
}
