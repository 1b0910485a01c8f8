import {
  BadUserInputError,
  MismatchedDevicesError,
  StaleDevicesError,
} from '../../shared/errors/index.js';
import type { DeviceInfo } from './device-directory.js';

/** One envelope as the client addressed it. `userId` defaults to the recipient. */
export interface AddressedEnvelope {
  readonly userId?: string | null;
  readonly deviceId: number;
  readonly registrationId: number;
}

export interface FanOutTarget<T extends AddressedEnvelope> {
  readonly userId: string;
  readonly deviceId: number;
  readonly envelope: T;
}

/**
 * Checks a Signal-style fan-out against the current device lists: exactly one envelope per
 * device of the recipient, and one per other device of the sender (a note to self covers only
 * the latter). Throws MISMATCHED_DEVICES or STALE_DEVICES with the device ids to fix.
 */
export function planFanOut<T extends AddressedEnvelope>(input: {
  readonly senderUserId: string;
  readonly senderDeviceId: number;
  readonly recipientId: string;
  readonly envelopes: readonly T[];
  readonly recipientDevices: readonly DeviceInfo[];
  readonly senderDevices: readonly DeviceInfo[];
}): FanOutTarget<T>[] {
  const { senderUserId, senderDeviceId, recipientId } = input;
  const toSelf = recipientId === senderUserId;
  const ownOthers = input.senderDevices.filter((device) => device.deviceId !== senderDeviceId);

  const forRecipient: T[] = [];
  const forOwn: T[] = [];
  for (const envelope of input.envelopes) {
    const userId = envelope.userId ?? recipientId;
    if (userId === senderUserId) forOwn.push(envelope);
    else if (userId === recipientId) forRecipient.push(envelope);
    else
      throw new BadUserInputError(
        'an envelope is addressed to neither the recipient nor the sender',
        { field: 'envelopes' },
      );
  }
  if (toSelf) forOwn.push(...forRecipient.splice(0));

  checkUnique(forRecipient);
  checkUnique(forOwn);
  const recipientCheck = toSelf
    ? { missing: [], extra: [], stale: [] }
    : compare(forRecipient, input.recipientDevices);
  const ownCheck = compare(forOwn, ownOthers);
  // A note to self reports its devices as the "recipient" lists: they are the recipient's.
  const [main, own] = toSelf
    ? [ownCheck, { missing: [], extra: [], stale: [] }]
    : [recipientCheck, ownCheck];
  if (main.missing.length || main.extra.length || own.missing.length || own.extra.length) {
    throw new MismatchedDevicesError(main.missing, main.extra, own.missing, own.extra);
  }
  if (main.stale.length || own.stale.length) throw new StaleDevicesError(main.stale, own.stale);

  return [
    ...forRecipient.map((envelope) => ({
      userId: recipientId,
      deviceId: envelope.deviceId,
      envelope,
    })),
    ...forOwn.map((envelope) => ({ userId: senderUserId, deviceId: envelope.deviceId, envelope })),
  ];
}

function checkUnique(envelopes: readonly AddressedEnvelope[]): void {
  const seen = new Set<number>();
  for (const { deviceId } of envelopes) {
    if (seen.has(deviceId)) {
      throw new BadUserInputError(`two envelopes for device ${deviceId}`, { field: 'envelopes' });
    }
    seen.add(deviceId);
  }
}

function compare(envelopes: readonly AddressedEnvelope[], devices: readonly DeviceInfo[]) {
  const byId = new Map(devices.map((device) => [device.deviceId, device]));
  const given = new Set(envelopes.map((envelope) => envelope.deviceId));
  return {
    missing: devices
      .filter((device) => !given.has(device.deviceId))
      .map((device) => device.deviceId),
    extra: envelopes
      .filter((envelope) => !byId.has(envelope.deviceId))
      .map((envelope) => envelope.deviceId),
    stale: envelopes
      .filter((envelope) => {
        const device = byId.get(envelope.deviceId);
        return device !== undefined && device.registrationId !== envelope.registrationId;
      })
      .map((envelope) => envelope.deviceId),
  };
}
