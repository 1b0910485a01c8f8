import type { Principal } from '../../shared/auth/index.js';
import {
  BadUserInputError,
  NotFoundError,
  PayloadTooLargeError,
} from '../../shared/errors/index.js';
import type { SealedSenderKeys } from './sealed-sender-keys.js';
import type { AuthStore, DeviceRecord } from './store.js';
import { accessGranted, accessKeyLength } from './unidentified-access.js';
import { isUserId } from './validation.js';

/** Most users one sealed multi-recipient send may name (a large group). */
export const maxSealedRecipients = 1000;

/** The devices of one recipient of a sealed send. */
export interface SealedRecipient {
  readonly userId: string;
  readonly devices: readonly DeviceRecord[];
}

/**
 * Sealed sender in auth, where the keys and the accounts are: the trust root clients pin, sender
 * certificates for signed-in devices, each user's unidentified access (never shown), and the
 * check messaging asks for before a sealed send.
 */
export class SealedSenderService {
  constructor(
    private readonly store: AuthStore,
    private readonly keys: SealedSenderKeys,
    private readonly now: () => Date = () => new Date(),
  ) {}

  /** The serialized trust root public key (what clients pin). */
  trustRoot(): Uint8Array {
    return this.keys.trustRoot.serialize();
  }

  /** A SenderCertificate for the caller's device, valid for 24 hours. */
  async senderCertificate(principal: Principal): Promise<Uint8Array> {
    const device = await this.store.findDevice(principal.userId, principal.deviceId);
    if (!device) throw new NotFoundError('No such device on this account');
    return this.keys.senderCertificate(device, this.now());
  }

  /** Sets the caller's access key (null: key-based sealed delivery off) and unrestricted flag. */
  async setUnidentifiedAccess(
    principal: Principal,
    accessKey: Uint8Array | null,
    unrestricted: boolean,
  ): Promise<boolean> {
    if (accessKey !== null && accessKey.length !== accessKeyLength) {
      throw new BadUserInputError(`accessKey must be ${accessKeyLength} bytes`, {
        field: 'accessKey',
      });
    }
    await this.store.setUnidentifiedAccess({ userId: principal.userId, accessKey, unrestricted });
    return true;
  }

  /**
   * The devices of every one of `userIds` when `accessKey` opens them all (see accessGranted),
   * else null: a wrong key, an unknown user and a user without devices answer alike.
   */
  async recipientDevices(
    userIds: readonly string[],
    accessKey: Uint8Array | null,
  ): Promise<SealedRecipient[] | null> {
    const unique = [...new Set(userIds)];
    if (unique.length > maxSealedRecipients) {
      throw new PayloadTooLargeError(`at most ${maxSealedRecipients} recipients`);
    }
    if (unique.length === 0 || !unique.every(isUserId)) return null;
    const records = await this.store.findUnidentifiedAccess(unique);
    if (!accessGranted(unique, records, accessKey)) return null;
    const devices = await this.store.listDevicesOfUsers(unique);
    const recipients = unique.map((userId) => ({
      userId,
      devices: devices.filter((device) => device.userId === userId),
    }));
    return recipients.every((recipient) => recipient.devices.length > 0) ? recipients : null;
  }
}
