import type { Principal } from '../../shared/auth/index.js';
import { BadUserInputError, ConflictError, NotFoundError } from '../../shared/errors/index.js';
import type { AuthEvents } from './events.js';
import {
  DeviceLimitError,
  type AuthStore,
  type DeviceKey,
  type DeviceRecord,
  type NewDevice,
} from './store.js';
import { isUserId } from './validation.js';

/**
 * The devices of an account: linking one at sign-in (within the account's limit), finding them in
 * batches for the graph, and removing one with everything it holds.
 */
export class DeviceService {
  constructor(
    private readonly store: AuthStore,
    private readonly events: AuthEvents,
    /** Most devices an account may have at once. */
    private readonly maxDevices: number,
  ) {}

  /** Links a new (verified) device to the account; CONFLICT when it has its maximum already. */
  async link(userId: string, device: NewDevice, now: Date): Promise<DeviceRecord> {
    try {
      return await this.store.addDevice(userId, device, this.maxDevices, now);
    } catch (error) {
      if (error instanceof DeviceLimitError) {
        throw new ConflictError(`an account may have at most ${this.maxDevices} devices`, {
          cause: error,
        });
      }
      throw error;
    }
  }

  /** The account's device signing in again, marked as seen; NOT_FOUND when there is none. */
  async resume(userId: string, deviceId: number, now: Date): Promise<DeviceRecord> {
    const device = await this.store.findDevice(userId, deviceId);
    if (!device) throw new NotFoundError('No such device on this account');
    await this.store.touchDevice(userId, device.deviceId, now);
    return device;
  }

  /** The devices of each user, in the order asked: one store call for the whole list. */
  async ofUsers(userIds: readonly string[]): Promise<DeviceRecord[][]> {
    const devices = userIds.length > 0 ? await this.store.listDevicesOfUsers(userIds) : [];
    const byUser = new Map<string, DeviceRecord[]>();
    for (const device of devices)
      byUser.set(device.userId, [...(byUser.get(device.userId) ?? []), device]);
    return userIds.map((userId) => byUser.get(userId) ?? []);
  }

  /** The device of each key, or null, in the order asked: one store call for the whole list. */
  async findByKeys(keys: readonly DeviceKey[]): Promise<(DeviceRecord | null)[]> {
    const wellFormed = keys.filter((key) => isUserId(key.userId));
    const found = wellFormed.length > 0 ? await this.store.findDevices(wellFormed) : [];
    const keyOf = (key: DeviceKey) => `${key.userId}:${key.deviceId}`;
    const byKey = new Map(found.map((device) => [keyOf(device), device]));
    return keys.map((key) => byKey.get(keyOf(key)) ?? null);
  }

  /** Removes one of the caller's linked devices with its keys and sessions (never device 1). */
  async remove(principal: Principal, deviceId: number): Promise<boolean> {
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
}
