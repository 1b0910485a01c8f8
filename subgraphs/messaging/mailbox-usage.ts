import type {
  DeviceAddress,
  EnvelopeRecord,
  MailboxFullOutcome,
  MailboxQuota,
  MailboxUsage,
} from './store.js';

type Incoming = Pick<EnvelopeRecord, 'recipientUserId' | 'recipientDeviceId' | 'content'>;

/** One device's key in a map of devices. */
export const deviceKey = (device: DeviceAddress) => `${device.userId}\u0000${device.deviceId}`;

/** What the envelopes add to each device they go to, devices in first-seen order. */
export function incomingUsage(envelopes: readonly Incoming[]): MailboxUsage[] {
  const devices = new Map<string, MailboxUsage>();
  for (const envelope of envelopes) {
    const { recipientUserId: userId, recipientDeviceId: deviceId } = envelope;
    const key = deviceKey({ userId, deviceId });
    const soFar = devices.get(key) ?? { userId, deviceId, envelopes: 0, bytes: 0 };
    devices.set(key, {
      ...soFar,
      envelopes: soFar.envelopes + 1,
      bytes: soFar.bytes + envelope.content.length,
    });
  }
  return [...devices.values()];
}

/**
 * The devices that would hold more than the quota once the envelopes are added to their current
 * usage, leaving out those of `exemptUserIds`: the rule both store adapters and the services apply.
 */
export function devicesOverQuota(
  usage: readonly MailboxUsage[],
  envelopes: readonly Incoming[],
  quota: MailboxQuota,
  exemptUserIds: readonly string[] = [],
): DeviceAddress[] {
  const current = new Map(usage.map((device) => [deviceKey(device), device]));
  return incomingUsage(envelopes)
    .filter((added) => {
      if (exemptUserIds.includes(added.userId)) return false;
      const held = current.get(deviceKey(added));
      return (
        (held?.envelopes ?? 0) + added.envelopes > quota.maxEnvelopes ||
        (held?.bytes ?? 0) + added.bytes > quota.maxBytes
      );
    })
    .map(({ userId, deviceId }) => ({ userId, deviceId }));
}

/** The refusal of envelopes that would overfill a device (see `devicesOverQuota`); null: none. */
export function mailboxFull(
  usage: readonly MailboxUsage[],
  envelopes: readonly Incoming[],
  quota: MailboxQuota,
  exemptUserIds: readonly string[] = [],
): MailboxFullOutcome | null {
  const full = devicesOverQuota(usage, envelopes, quota, exemptUserIds);
  return full.length > 0 ? { kind: 'mailbox-full', full } : null;
}
