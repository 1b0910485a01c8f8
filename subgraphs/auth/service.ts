import { createHash, randomBytes, randomUUID } from 'node:crypto';
import type { Principal } from '../../shared/auth/index.js';
import {
  BadUserInputError,
  ConflictError,
  NotFoundError,
  UnauthenticatedError,
} from '../../shared/errors/index.js';
import type { RateLimiters } from '../../shared/rate-limit/index.js';
import { DeviceService } from './device-service.js';
import type { AuthEvents } from './events.js';
import { KeyDirectory } from './key-directory.js';
import {
  verifyNewDevice,
  type DeviceKeysInput,
  type UploadPreKeysInput,
} from './keys/verify-device-keys.js';
import { AuthLimits, type AuthLimitRules } from './limits.js';
import type { KeyPackagePolicy } from './keys/mls-key-package.js';
import { hashPassword, type PasswordVerifier } from './passwords.js';
import type { AccessTokenSigner } from './signing-keys.js';
import {
  UsernameTakenError,
  type AuthStore,
  type DeviceRecord,
  type SessionRecord,
  type UserRecord,
} from './store.js';
import { checkPassword, checkPasswordSize, isUserId, normalizeUsername } from './validation.js';

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
  /** How long a deleted account's username stays refused to new accounts. @default 30 days */
  readonly usernameQuarantineMs: number;
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
  usernameQuarantineMs: 30 * 24 * 3600_000,
};

export type { DeviceKeysInput, UploadPreKeysInput };

/** Refresh tokens are 256-bit random values; the store keeps only their SHA-256. */
function newRefreshToken(): { token: string; hash: Uint8Array } {
  const token = randomBytes(32).toString('base64url');
  return { token, hash: hashRefreshToken(token) };
}
function hashRefreshToken(token: string): Uint8Array {
  return new Uint8Array(createHash('sha256').update(token).digest());
}

/**
 * Accounts and their sessions; an account's devices are `devices` (device-service.ts) and their
 * keys `keys` (key-directory.ts). Knows nothing of GraphQL or of the database: rules live here,
 * queries in the store, transport in the resolvers.
 */
export class AuthService {
  private readonly options: AuthServiceOptions;
  private readonly limits: AuthLimits;
  /** Linking, finding and removing an account's devices. */
  readonly devices: DeviceService;
  /** Prekeys and KeyPackages: uploads by a device, claims by others. */
  readonly keys: KeyDirectory;

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
    this.devices = new DeviceService(store, events, this.options.maxDevices);
    this.keys = new KeyDirectory(store, this.limits, this.options, now);
  }

  // --- accounts ---

  async register(
    input: { username: string; password: string; device: DeviceKeysInput },
    clientAddress: string,
  ): Promise<AuthResult> {
    const username = normalizeUsername(input.username);
    checkPassword(input.password);
    const device = verifyNewDevice(input.device);
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
    const newDevice = input.newDevice ? verifyNewDevice(input.newDevice) : null;

    const user = await this.verifyLogin(username, input.password, clientAddress);

    const now = this.now();
    const device = newDevice
      ? await this.devices.link(user.id, newDevice, now)
      : await this.devices.resume(user.id, input.deviceId ?? 0, now);
    return this.startSession(user, device, now);
  }

  /**
   * Deletes the caller's account everywhere. The password is checked again, counted like a login
   * (the same limits, the same UNAUTHENTICATED when wrong). The durable
   * `guardyn.account.deleted.<userId>` goes out first, telling the other subgraphs to delete what
   * they hold; then auth deletes its rows and quarantines the username, and every session is
   * revoked (sockets close with 4401). In that order every failure can be retried: a refused
   * announcement deletes nothing, and a failed deletion in auth leaves the account (and the
   * password) for the retry, whose announcement the idempotent handlers take again. Announced
   * after, a bus that refused would leave the others' data behind with no account to retry from.
   */
  async deleteAccount(principal: Principal, password: string, clientAddress: string) {
    checkPasswordSize(password);
    const found = await this.store.findUserById(principal.userId);
    if (!found) throw new UnauthenticatedError('No such account');
    const user = await this.verifyLogin(found.username, password, clientAddress, found);
    const announced = (await this.store.listDevices(user.id)).map((device) => device.deviceId);
    await this.events.accountDeleted(user.id, announced);
    const now = this.now();
    const quarantinedUntil = new Date(now.getTime() + this.options.usernameQuarantineMs);
    const deleted = await this.store.deleteAccount(user.id, quarantinedUntil);
    // Another call deleted it in between: that call revoked the sessions.
    if (!deleted) throw new UnauthenticatedError('No such account');
    await this.events.sessionsRevoked(user.id, deleted.sessionIds);
    // A device linked while this call ran is named in a second announcement.
    if (deleted.deviceIds.some((deviceId) => !announced.includes(deviceId))) {
      await this.events.accountDeleted(user.id, deleted.deviceIds);
    }
    return true;
  }

  // --- sessions ---

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
    return this.issueTokens(user, device, session.id, next.token, now);
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

  // --- users ---

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

  // --- internals ---

  /**
   * The user when the password matches, else UNAUTHENTICATED. The attempt counts as a failure
   * (per address and per username) before the password is checked, so concurrent guesses cannot
   * outrun the limit; a success gives it back. `known` is the account when the caller found it
   * already (by id, for deleteAccount).
   */
  private async verifyLogin(
    username: string,
    password: string,
    clientAddress: string,
    known?: UserRecord | null,
  ): Promise<UserRecord> {
    const attempt = await this.limits.reserveLoginAttempt(username, clientAddress);
    let user: UserRecord | null;
    try {
      const found = known === undefined ? await this.store.findUserByUsername(username) : known;
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
    return this.issueTokens(user, device, session.id, refresh.token, now);
  }

  /** The session's new access token, with its refresh token: what the client keeps. */
  private async issueTokens(
    user: UserRecord,
    device: DeviceRecord,
    sessionId: string,
    refreshToken: string,
    now: Date,
  ): Promise<AuthResult> {
    const access = await this.signer.issue(
      { userId: user.id, deviceId: device.deviceId, sessionId },
      now,
    );
    return { accessToken: access.token, refreshToken, expiresAt: access.expiresAt, user, device };
  }
}
