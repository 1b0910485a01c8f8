import { createHash, randomBytes, randomUUID } from 'node:crypto';
import type { PublicKey } from '@signalapp/libsignal-client';
import type { Principal } from '../../shared/auth/index.js';
import {
  BadUserInputError,
  ConflictError,
  NotFoundError,
  UnauthenticatedError,
} from '../../shared/errors/index.js';
import type { RateLimiters } from '../../shared/rate-limit/index.js';
import type { AuthEvents } from './events.js';
import { AuthLimits, type AuthLimitRules } from './limits.js';
import { validateKeyPackage, type KeyPackagePolicy } from './keys/mls-key-package.js';
import {
  parseIdentityKey,
  parseOneTimePreKey,
  parseRegistrationId,
  verifyKyberPreKey,
  verifySignedPreKey,
} from './keys/signal-keys.js';
import { hashPassword, type PasswordVerifier } from './passwords.js';
import type { AccessTokenSigner } from './signing-keys.js';
import {
  DeviceLimitError,
  UsernameTakenError,
  type AuthStore,
  type ClaimedBundle,
  type ClaimedKeyPackage,
  type DeviceKeyUpload,
  type DeviceKey,
  type DeviceRecord,
  type NewDevice,
  type PreKeyCounts,
  type PreKeyRecord,
  type SessionRecord,
  type SignedPreKeyRecord,
  type UserRecord,
} from './store.js';
import {
  checkListSize,
  checkPassword,
  checkPasswordSize,
  checkUniqueKeyIds,
  isUserId,
  maxKeysPerUpload,
  normalizeDeviceName,
  normalizeUsername,
} from './validation.js';

/** Keys as they arrive from a client (bytes already base64-decoded), not yet verified. */
export interface DeviceKeysInput {
  readonly name?: string | null;
  readonly registrationId: number;
  readonly identityKey: Uint8Array;
  readonly signedPreKey: SignedPreKeyRecord;
  readonly kyberLastResortPreKey: SignedPreKeyRecord;
  readonly preKeys?: readonly PreKeyRecord[] | null;
  readonly kyberPreKeys?: readonly SignedPreKeyRecord[] | null;
}

export interface UploadPreKeysInput {
  readonly signedPreKey?: SignedPreKeyRecord | null;
  readonly kyberLastResortPreKey?: SignedPreKeyRecord | null;
  readonly preKeys?: readonly PreKeyRecord[] | null;
  readonly kyberPreKeys?: readonly SignedPreKeyRecord[] | null;
}

export interface LoginInput {
  readonly username: string;
  readonly password: string;
  readonly deviceId?: number | null;
  readonly newDevice?: DeviceKeysInput | null;
}

/** What register, login and refreshSession return. */
export interface AuthResult {
  readonly accessToken: string;
  readonly refreshToken: string;
  readonly expiresAt: Date;
  readonly user: UserRecord;
  readonly device: DeviceRecord;
}

export interface AuthServiceOptions extends AuthLimitRules {
  /** Most devices an account may have at once. @default 6 */
  readonly maxDevices: number;
  /** Lifetime of a refresh token (sliding: each rotation renews it). @default 30 days */
  readonly refreshTokenLifetimeMs: number;
  /** Most unclaimed one-time keys of each kind a device may keep on the server. @default 1000 */
  readonly maxStoredOneTimeKeys: number;
  /** Most unclaimed KeyPackages a device may keep on the server. @default 200 */
  readonly maxStoredKeyPackages: number;
  readonly keyPackagePolicy?: Partial<KeyPackagePolicy>;
}

export const defaultAuthServiceOptions: AuthServiceOptions = {
  maxDevices: 6,
  refreshTokenLifetimeMs: 30 * 24 * 3600_000,
  failedLoginsPerUsername: { limit: 5, windowMs: 15 * 60_000 },
  failedLoginsPerAddress: { limit: 20, windowMs: 15 * 60_000 },
  registrationsPerAddress: { limit: 30, windowMs: 3600_000 },
  claimsPerUser: { limit: 120, windowMs: 60_000 },
  claimsPerClaimantAndTarget: { limit: 10, windowMs: 3600_000 },
  maxStoredOneTimeKeys: 1000,
  maxStoredKeyPackages: 200,
};

/** Refresh tokens are 256-bit random values; the store keeps only their SHA-256. */
function newRefreshToken(): { token: string; hash: Uint8Array } {
  const token = randomBytes(32).toString('base64url');
  return { token, hash: hashRefreshToken(token) };
}
function hashRefreshToken(token: string): Uint8Array {
  return new Uint8Array(createHash('sha256').update(token).digest());
}

/**
 * Accounts, sessions, devices and the key directory. Knows nothing of GraphQL or of the
 * database: rules live here, queries in the store, transport in the resolvers.
 */
export class AuthService {
  private readonly options: AuthServiceOptions;
  private readonly limits: AuthLimits;

  constructor(
    private readonly store: AuthStore,
    private readonly signer: AccessTokenSigner,
    private readonly passwords: PasswordVerifier,
    private readonly events: AuthEvents,
    limiters: RateLimiters,
    options: Partial<AuthServiceOptions> = {},
    private readonly now: () => Date = () => new Date(),
  ) {
    this.options = { ...defaultAuthServiceOptions, ...options };
    this.limits = new AuthLimits(limiters, this.options);
  }

  // --- accounts ---

  async register(
    input: { username: string; password: string; device: DeviceKeysInput },
    clientAddress: string,
  ): Promise<AuthResult> {
    const username = normalizeUsername(input.username);
    checkPassword(input.password);
    const device = this.verifyNewDevice(input.device);
    await this.limits.takeRegistration(clientAddress);

    const now = this.now();
    const user: UserRecord = {
      id: randomUUID(),
      username,
      passwordHash: await hashPassword(input.password),
      createdAt: now,
    };
    let deviceRecord: DeviceRecord;
    try {
      deviceRecord = await this.store.createUser(user, device);
    } catch (error) {
      if (error instanceof UsernameTakenError)
        throw new ConflictError('username is taken', { cause: error });
      throw error;
    }
    return this.startSession(user, deviceRecord, now);
  }

  async login(input: LoginInput, clientAddress: string): Promise<AuthResult> {
    const hasDeviceId = input.deviceId !== null && input.deviceId !== undefined;
    const hasNewDevice = input.newDevice !== null && input.newDevice !== undefined;
    if (hasDeviceId === hasNewDevice) {
      throw new BadUserInputError('give exactly one of deviceId and newDevice');
    }
    // Malformed input is refused before anything counts or keeps it (the rules are public).
    const username = normalizeUsername(input.username);
    checkPasswordSize(input.password);
    const newDevice = input.newDevice ? this.verifyNewDevice(input.newDevice) : null;

    const user = await this.verifyLogin(username, input.password, clientAddress);

    const now = this.now();
    let device: DeviceRecord | null;
    if (newDevice) {
      try {
        device = await this.store.addDevice(user.id, newDevice, this.options.maxDevices, now);
      } catch (error) {
        if (error instanceof DeviceLimitError) {
          throw new ConflictError(
            `an account may have at most ${this.options.maxDevices} devices`,
            {
              cause: error,
            },
          );
        }
        throw error;
      }
    } else {
      device = await this.store.findDevice(user.id, input.deviceId ?? 0);
      if (!device) throw new NotFoundError('No such device on this account');
      await this.store.touchDevice(user.id, device.deviceId, now);
    }
    return this.startSession(user, device, now);
  }

  async refreshSession(refreshToken: string): Promise<AuthResult> {
    const now = this.now();
    const next = newRefreshToken();
    const expiresAt = new Date(now.getTime() + this.options.refreshTokenLifetimeMs);
    const outcome = await this.store.rotateRefreshToken(
      hashRefreshToken(refreshToken),
      next.hash,
      now,
      expiresAt,
    );
    if (outcome.kind === 'reused') {
      // Someone holds a copy of an old token: end the whole session for everyone.
      await this.events.sessionsRevoked(outcome.userId, [outcome.sessionId]);
      throw new UnauthenticatedError('Refresh token was already used; the session is revoked');
    }
    if (outcome.kind === 'unknown') throw new UnauthenticatedError('Invalid refresh token');

    const { session } = outcome;
    const [user, device] = await Promise.all([
      this.store.findUserById(session.userId),
      this.store.findDevice(session.userId, session.deviceId),
    ]);
    if (!user || !device) throw new UnauthenticatedError('Invalid refresh token');
    await this.store.touchDevice(user.id, device.deviceId, now);
    const access = await this.signer.issue(
      { userId: user.id, deviceId: device.deviceId, sessionId: session.id },
      now,
    );
    return {
      accessToken: access.token,
      refreshToken: next.token,
      expiresAt: access.expiresAt,
      user,
      device,
    };
  }

  async logout(principal: Principal): Promise<boolean> {
    return this.revokeSession(principal, principal.sessionId);
  }

  async sessions(principal: Principal): Promise<SessionRecord[]> {
    return this.store.listSessions(principal.userId, this.now());
  }

  async revokeSession(principal: Principal, sessionId: string): Promise<boolean> {
    if (!(await this.store.deleteSession(principal.userId, sessionId))) {
      throw new NotFoundError('No such session');
    }
    await this.events.sessionsRevoked(principal.userId, [sessionId]);
    return true;
  }

  /** True while the session exists and has not expired (auth's own token check). */
  async isSessionActive(sessionId: string): Promise<boolean> {
    const session = await this.store.findSession(sessionId);
    return session !== null && session.expiresAt > this.now();
  }

  async findUser(id: string): Promise<UserRecord | null> {
    return isUserId(id) ? this.store.findUserById(id) : null;
  }

  /** The user of each id, or null, in the order asked: one store call for the whole list. */
  async findUsers(ids: readonly string[]): Promise<(UserRecord | null)[]> {
    const wellFormed = ids.filter(isUserId);
    const found = wellFormed.length > 0 ? await this.store.findUsersByIds(wellFormed) : [];
    const byId = new Map(found.map((user) => [user.id, user]));
    return ids.map((id) => byId.get(id) ?? null);
  }

  async findUserByUsername(username: string): Promise<UserRecord | null> {
    return this.store.findUserByUsername(normalizeUsername(username));
  }

  // --- devices ---

  /** The devices of each user, in the order asked: one store call for the whole list. */
  async devicesOfUsers(userIds: readonly string[]): Promise<DeviceRecord[][]> {
    const devices = userIds.length > 0 ? await this.store.listDevicesOfUsers(userIds) : [];
    const byUser = new Map<string, DeviceRecord[]>();
    for (const device of devices)
      byUser.set(device.userId, [...(byUser.get(device.userId) ?? []), device]);
    return userIds.map((userId) => byUser.get(userId) ?? []);
  }

  /** The device of each key, or null, in the order asked: one store call for the whole list. */
  async findDevices(keys: readonly DeviceKey[]): Promise<(DeviceRecord | null)[]> {
    const wellFormed = keys.filter((key) => isUserId(key.userId));
    const found = wellFormed.length > 0 ? await this.store.findDevices(wellFormed) : [];
    const keyOf = (key: DeviceKey) => `${key.userId}:${key.deviceId}`;
    const byKey = new Map(found.map((device) => [keyOf(device), device]));
    return keys.map((key) => byKey.get(keyOf(key)) ?? null);
  }

  async removeDevice(principal: Principal, deviceId: number): Promise<boolean> {
    if (deviceId === 1)
      throw new BadUserInputError('the primary device (1) cannot be removed', {
        field: 'deviceId',
      });
    const device = await this.store.findDevice(principal.userId, deviceId);
    if (!device) throw new NotFoundError('No such device');
    const sessionIds = await this.store.removeDevice(principal.userId, deviceId);
    // The device event first: its sockets close as "device removed", not as "session revoked".
    await this.events.deviceRevoked(device);
    await this.events.sessionsRevoked(principal.userId, sessionIds);
    return true;
  }

  // --- Signal key directory ---

  async uploadPreKeys(principal: Principal, input: UploadPreKeysInput): Promise<PreKeyCounts> {
    const device = await this.requireOwnDevice(principal);
    const identityKey = parseIdentityKey(device.identityKey);
    const upload = this.verifyKeyUpload(identityKey, input);
    await this.checkStorableOneTimeKeys(principal, upload);
    await this.store.storeDeviceKeys(principal.userId, principal.deviceId, upload);
    return this.store.countPreKeys(principal.userId, principal.deviceId);
  }

  async preKeyCount(principal: Principal): Promise<PreKeyCounts> {
    await this.requireOwnDevice(principal);
    return this.store.countPreKeys(principal.userId, principal.deviceId);
  }

  async claimPreKeyBundles(
    principal: Principal,
    userId: string,
    deviceIds: readonly number[] | null,
  ): Promise<ClaimedBundle[]> {
    checkListSize(deviceIds, this.options.maxDevices * 2, 'deviceIds');
    if (deviceIds && new Set(deviceIds).size !== deviceIds.length) {
      throw new BadUserInputError('deviceIds repeats a device', { field: 'deviceIds' });
    }
    if (deviceIds?.length === 0)
      throw new BadUserInputError('deviceIds is empty', { field: 'deviceIds' });
    if (!isUserId(userId) || !(await this.store.findUserById(userId)))
      throw new NotFoundError('No such user');
    if (deviceIds) {
      const known = new Set(
        (await this.store.listDevices(userId)).map((device) => device.deviceId),
      );
      const unknown = deviceIds.filter((deviceId) => !known.has(deviceId));
      if (unknown.length > 0) throw new NotFoundError(`No such device: ${unknown.join(', ')}`);
    }
    await this.limits.takeClaim(principal.userId, 'prekey-bundles', [userId]);
    return this.store.claimBundles(userId, deviceIds);
  }

  // --- MLS KeyPackages ---

  async uploadKeyPackages(
    principal: Principal,
    keyPackages: readonly Uint8Array[],
  ): Promise<number> {
    checkListSize(keyPackages, maxKeysPerUpload, 'keyPackages');
    await this.requireOwnDevice(principal);
    const now = this.now();
    const expectedIdentity = `${principal.userId}.${principal.deviceId}`;
    const validated = [];
    for (const [index, keyPackage] of keyPackages.entries()) {
      const result = await validateKeyPackage(keyPackage, {
        expectedIdentity,
        now,
        field: `keyPackages[${index}]`,
        ...(this.options.keyPackagePolicy ? { policy: this.options.keyPackagePolicy } : {}),
      });
      validated.push({
        reference: result.reference,
        keyPackage,
        notAfter: result.notAfter,
        lastResort: result.lastResort,
      });
    }
    const lastResort = validated.filter((entry) => entry.lastResort).length;
    if (lastResort > 1) {
      throw new BadUserInputError('keyPackages holds more than one last-resort KeyPackage', {
        field: 'keyPackages',
      });
    }
    // The last-resort KeyPackage replaces the device's previous one, so only the others add up.
    const stored = await this.store.countKeyPackages(principal.userId, principal.deviceId, now);
    if (stored + validated.length - lastResort > this.options.maxStoredKeyPackages) {
      throw new BadUserInputError(
        `a device may keep at most ${this.options.maxStoredKeyPackages} KeyPackages on the server (${stored} stored)`,
        { field: 'keyPackages' },
      );
    }
    return this.store.storeKeyPackages(principal.userId, principal.deviceId, validated);
  }

  async claimKeyPackages(
    principal: Principal,
    userIds: readonly string[],
  ): Promise<ClaimedKeyPackage[]> {
    checkListSize(userIds, maxKeysPerUpload, 'userIds');
    if (userIds.length === 0) throw new BadUserInputError('userIds is empty', { field: 'userIds' });
    const unique = [...new Set(userIds)];
    for (const userId of unique) {
      if (!isUserId(userId) || !(await this.store.findUserById(userId))) {
        throw new NotFoundError(`No such user: ${userId}`);
      }
    }
    await this.limits.takeClaim(principal.userId, 'key-packages', unique);
    const now = this.now();
    const claimed = [];
    for (const userId of unique) claimed.push(...(await this.store.claimKeyPackages(userId, now)));
    return claimed;
  }

  // --- internals ---

  /**
   * The user when the password matches, else UNAUTHENTICATED. The attempt counts as a failure
   * (per address and per username) before the password is checked, so concurrent guesses cannot
   * outrun the limit; a success gives it back.
   */
  private async verifyLogin(
    username: string,
    password: string,
    clientAddress: string,
  ): Promise<UserRecord> {
    const attempt = await this.limits.reserveLoginAttempt(username, clientAddress);
    let user: UserRecord | null;
    try {
      const found = await this.store.findUserByUsername(username);
      // Unknown users are checked against a decoy hash: the same work, the same answer.
      user = (await this.passwords.matches(found?.passwordHash ?? null, password)) ? found : null;
    } catch (error) {
      // Not a wrong password (the store failed): this attempt does not count.
      await attempt.releaseAll();
      throw error;
    }
    if (!user) throw new UnauthenticatedError('Wrong username or password');
    await attempt.releaseAll();
    return user;
  }

  private async startSession(
    user: UserRecord,
    device: DeviceRecord,
    now: Date,
  ): Promise<AuthResult> {
    const refresh = newRefreshToken();
    const session: SessionRecord = {
      id: randomUUID(),
      userId: user.id,
      deviceId: device.deviceId,
      createdAt: now,
      lastUsedAt: now,
      expiresAt: new Date(now.getTime() + this.options.refreshTokenLifetimeMs),
    };
    await this.store.createSession(session, refresh.hash);
    const access = await this.signer.issue(
      { userId: user.id, deviceId: device.deviceId, sessionId: session.id },
      now,
    );
    return {
      accessToken: access.token,
      refreshToken: refresh.token,
      expiresAt: access.expiresAt,
      user,
      device,
    };
  }

  private async requireOwnDevice(principal: Principal): Promise<DeviceRecord> {
    const device = await this.store.findDevice(principal.userId, principal.deviceId);
    // A token for a removed device: the session went with it.
    if (!device) throw new UnauthenticatedError('This device was removed');
    return device;
  }

  /** Verifies every key of a new device against its identity key; nothing is stored yet. */
  private verifyNewDevice(input: DeviceKeysInput): NewDevice {
    const identityKey = parseIdentityKey(input.identityKey);
    return {
      registrationId: parseRegistrationId(input.registrationId),
      name: normalizeDeviceName(input.name),
      identityKey: identityKey.serialize(),
      signedPreKey: verifySignedPreKey(identityKey, input.signedPreKey),
      kyberLastResortPreKey: verifyKyberPreKey(
        identityKey,
        input.kyberLastResortPreKey,
        'kyberLastResortPreKey',
      ),
      ...this.verifyOneTimeKeys(identityKey, input),
    };
  }

  private verifyKeyUpload(identityKey: PublicKey, input: UploadPreKeysInput): DeviceKeyUpload {
    const { signedPreKey, kyberLastResortPreKey } = input;
    return {
      ...(signedPreKey ? { signedPreKey: verifySignedPreKey(identityKey, signedPreKey) } : {}),
      ...(kyberLastResortPreKey
        ? {
            kyberLastResortPreKey: verifyKyberPreKey(
              identityKey,
              kyberLastResortPreKey,
              'kyberLastResortPreKey',
            ),
          }
        : {}),
      ...this.verifyOneTimeKeys(identityKey, input),
    };
  }

  private verifyOneTimeKeys(
    identityKey: PublicKey,
    input: Pick<UploadPreKeysInput, 'preKeys' | 'kyberPreKeys'>,
  ): Pick<DeviceKeyUpload, 'preKeys' | 'kyberPreKeys'> {
    const preKeys = input.preKeys ?? [];
    const kyberPreKeys = input.kyberPreKeys ?? [];
    checkListSize(preKeys, maxKeysPerUpload, 'preKeys');
    checkListSize(kyberPreKeys, maxKeysPerUpload, 'kyberPreKeys');
    checkUniqueKeyIds(preKeys, 'preKeys');
    checkUniqueKeyIds(kyberPreKeys, 'kyberPreKeys');
    return {
      preKeys: preKeys.map((key, index) => parseOneTimePreKey(key, `preKeys[${index}]`)),
      kyberPreKeys: kyberPreKeys.map((key, index) =>
        verifyKyberPreKey(identityKey, key, `kyberPreKeys[${index}]`),
      ),
    };
  }

  /** Key ids must be new for the device, and the device's stock of one-time keys stays bounded. */
  private async checkStorableOneTimeKeys(
    principal: Principal,
    upload: DeviceKeyUpload,
  ): Promise<void> {
    const { userId, deviceId } = principal;
    const counts = await this.store.countPreKeys(userId, deviceId);
    const kinds = [
      { kind: 'ec', keys: upload.preKeys, stored: counts.ecOneTime, field: 'preKeys' },
      {
        kind: 'kyber',
        keys: upload.kyberPreKeys,
        stored: counts.kyberOneTime,
        field: 'kyberPreKeys',
      },
    ] as const;
    for (const { kind, keys, stored, field } of kinds) {
      if (stored + keys.length > this.options.maxStoredOneTimeKeys) {
        throw new BadUserInputError(
          `a device may keep at most ${this.options.maxStoredOneTimeKeys} ${field} on the server (${stored} stored)`,
          { field },
        );
      }
      const taken = await this.store.existingOneTimeKeyIds(
        userId,
        deviceId,
        kind,
        keys.map((key) => key.keyId),
      );
      if (taken.length > 0) {
        throw new BadUserInputError(`${field} key ids already stored: ${taken.join(', ')}`, {
          field,
        });
      }
    }
  }
}
