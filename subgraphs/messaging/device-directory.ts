import type { EntityClient } from '../../shared/federation/index.js';

/** A device as messaging needs it: enough to check a fan-out. */
export interface DeviceInfo {
  readonly deviceId: number;
  readonly registrationId: number;
}

/**
 * The current devices of users. Auth owns them; messaging asks through the supergraph's
 * `User` entity, on the caller's behalf, so every answer is current (no replica to go stale).
 */
export interface DeviceDirectory {
  /** Devices per user id; `null` for a user that does not exist. */
  devicesOf(
    userIds: readonly string[],
    authorization: string | undefined,
  ): Promise<Map<string, DeviceInfo[] | null>>;
  /**
   * For a sealed send (no caller): the devices of each of `userIds` when `accessKey` opens them
   * all, else null. Auth compares the key where it is kept; it never leaves auth.
   */
  sealedRecipients(
    userIds: readonly string[],
    accessKey: Uint8Array | null,
  ): Promise<Map<string, DeviceInfo[]> | null>;
}

const sealedRecipientsQuery = `query ($userIds: [ID!]!, $accessKey: Base64) {
  sealedRecipients(userIds: $userIds, accessKey: $accessKey) { userId devices { deviceId registrationId } }
}`;

export function entityDeviceDirectory(client: EntityClient): DeviceDirectory {
  return {
    async devicesOf(userIds, authorization) {
      const unique = [...new Set(userIds)];
      const users = await client.fetch<{ devices: DeviceInfo[] }>(
        'User',
        unique,
        'devices { deviceId registrationId }',
        authorization,
      );
      return new Map(unique.map((userId, index) => [userId, users[index]?.devices ?? null]));
    },
    async sealedRecipients(userIds, accessKey) {
      const { sealedRecipients } = await client.query<{
        sealedRecipients: { userId: string; devices: DeviceInfo[] }[] | null;
      }>(
        'sealed recipients',
        sealedRecipientsQuery,
        {
          userIds: [...new Set(userIds)],
          accessKey: accessKey ? Buffer.from(accessKey).toString('base64') : null,
        },
        undefined,
      );
      return sealedRecipients
        ? new Map(sealedRecipients.map((recipient) => [recipient.userId, recipient.devices]))
        : null;
    },
  };
}
