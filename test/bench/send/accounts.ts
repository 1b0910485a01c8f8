import { randomBytes } from 'node:crypto';
import { RecipientDevicesDocument } from '../../../schema/generated/operations.js';
import { linkDevice, registerAccount } from '../../support/accounts.js';
import { expectData } from '../../support/graphql-client.js';

/** What a send needs: who gets it and one 256-byte opaque envelope per device. */
export interface SendTarget {
  readonly label: string;
  readonly recipientId: string;
  readonly envelopes: readonly {
    deviceId: number;
    registrationId: number;
    type: 'SIGNAL_MESSAGE';
    content: string;
  }[];
}

export interface SendAccounts {
  /** Bearer tokens of the senders; connection i sends as sender i mod count. */
  readonly senderTokens: readonly string[];
  readonly targets: readonly SendTarget[];
}

/**
 * Registers `senders` users and two recipients, one with one device and one with six (the most
 * a user may link), each device with real libsignal keys as the test clients make them.
 */
export async function setUpSendAccounts(url: string, senders: number): Promise<SendAccounts> {
  const senderTokens: string[] = [];
  for (let i = 0; i < senders; i++) senderTokens.push((await registerAccount(url)).accessToken);
  const single = await registerAccount(url);
  const multi = await registerAccount(url);
  for (let i = 0; i < 5; i++) await linkDevice(url, multi, { deviceName: `bench ${i + 2}` });
  const content = randomBytes(256).toString('base64');
  const target = async (label: string, recipientId: string): Promise<SendTarget> => {
    const { user } = await expectData(
      url,
      RecipientDevicesDocument,
      { id: recipientId },
      senderTokens[0],
    );
    if (!user) throw new Error(`no user ${recipientId}`);
    return {
      label,
      recipientId,
      envelopes: user.devices.map((device) => ({
        deviceId: device.deviceId,
        registrationId: device.registrationId,
        type: 'SIGNAL_MESSAGE' as const,
        content,
      })),
    };
  };
  return {
    senderTokens,
    targets: [await target('1 device', single.userId), await target('6 devices', multi.userId)],
  };
}
