/** The payloads notification consumes, validated (bus payloads are untrusted `unknown`). */

/** A device and its user, as push and device-revoked events carry them. */
export interface DeviceRef {
  readonly userId: string;
  readonly deviceId: number;
}

/**
 * `guardyn.push.<userId>.<deviceId>` (`{ userId, deviceId, envelopeId }`) and
 * `guardyn.device.revoked.<userId>` (`{ userId, deviceId }`): the device, or null when malformed.
 */
export function parseDeviceEvent(data: unknown): DeviceRef | null {
  const { userId, deviceId } = (data ?? {}) as { userId?: unknown; deviceId?: unknown };
  return typeof userId === 'string' &&
    userId !== '' &&
    typeof deviceId === 'number' &&
    Number.isInteger(deviceId) &&
    deviceId > 0
    ? { userId, deviceId }
    : null;
}
