import type { Principal } from '../../shared/auth/index.js';
import {
  BadUserInputError,
  NotFoundError,
  UnauthenticatedError,
} from '../../shared/errors/index.js';
import { validateKeyPackage } from './keys/mls-key-package.js';
import { parseIdentityKey } from './keys/signal-keys.js';
import { verifyKeyUpload, type UploadPreKeysInput } from './keys/verify-device-keys.js';
import type { AuthLimits } from './limits.js';
import type { AuthServiceOptions } from './service.js';
import type {
  AuthStore,
  ClaimedBundle,
  ClaimedKeyPackage,
  DeviceKeyUpload,
  DeviceRecord,
  PreKeyCounts,
} from './store.js';
import { checkListSize, isUserId, maxKeysPerUpload } from './validation.js';

/**
 * The key directory: each device's Signal prekeys and MLS KeyPackages, uploaded by the device
 * itself and claimed by others (within the claim limits) to start sessions and groups.
 */
export class KeyDirectory {
  constructor(
    private readonly store: AuthStore,
    private readonly limits: AuthLimits,
    private readonly options: AuthServiceOptions,
    private readonly now: () => Date,
  ) {}

  // --- Signal key directory ---

  async uploadPreKeys(principal: Principal, input: UploadPreKeysInput): Promise<PreKeyCounts> {
    const device = await this.requireOwnDevice(principal);
    const identityKey = parseIdentityKey(device.identityKey);
    const upload = verifyKeyUpload(identityKey, input);
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

  private async requireOwnDevice(principal: Principal): Promise<DeviceRecord> {
    const device = await this.store.findDevice(principal.userId, principal.deviceId);
    // A token for a removed device: the session went with it.
    if (!device) throw new UnauthenticatedError('This device was removed');
    return device;
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
