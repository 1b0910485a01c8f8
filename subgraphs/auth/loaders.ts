import { Batcher, perRequest } from '../../shared/batching/index.js';
import type { RequestContext } from '../../shared/http/index.js';
import { deviceGlobalId, parseDeviceGlobalId } from '../../shared/ids/index.js';
import type { AuthService } from './service.js';
import type { DeviceRecord, UserRecord } from './store.js';

/**
 * The reads of one request, each batched: the gateway resolves a list of users or devices with one
 * `_entities` request, and every entity (and its `devices`) joins the same store call.
 */
export interface AuthLoaders {
  readonly users: Batcher<string, UserRecord | null>;
  readonly devicesOfUser: Batcher<string, DeviceRecord[]>;
  /** By global id; a malformed one is no device. */
  readonly devices: Batcher<string, DeviceRecord | null>;
}

export function createAuthLoaders(service: AuthService): (context: RequestContext) => AuthLoaders {
  return perRequest(() => ({
    users: new Batcher((ids) => service.findUsers(ids)),
    devicesOfUser: new Batcher((userIds) => service.devices.ofUsers(userIds)),
    devices: new Batcher(async (globalIds) => {
      const keys = globalIds.map(parseDeviceGlobalId);
      const found = await service.devices.findByKeys(keys.filter((key) => key !== null));
      const byId = new Map(
        found.flatMap((device) =>
          device ? [[deviceGlobalId(device.userId, device.deviceId), device] as const] : [],
        ),
      );
      return globalIds.map((id) => byId.get(id) ?? null);
    }),
  }));
}
