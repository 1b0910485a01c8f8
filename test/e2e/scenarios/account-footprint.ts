/**
 * Everything an account leaves in every subgraph, made through the API: for the account-deletion
 * scenario, which then checks that none of it names the user any more.
 */
import { createHash, randomBytes } from 'node:crypto';
import sharp from 'sharp';
import { linkDevice, registerAccount, type TestAccount } from '../../support/accounts.js';
import { createGroupWith, type TestGroup } from '../../support/group-membership.js';
import { expectData } from '../../support/graphql-client.js';
import {
  ackEnvelopes,
  readInbox,
  sendOpaqueMessage,
  startDirectConversation,
} from '../../support/messaging-client.js';
import { createMlsClient, publishKeyPackages } from '../../support/mls-client.js';
import { postUpload, uploadEncryptedMutation } from '../../support/uploads.js';

/** The user to be deleted (two devices), a friend and a third member of a group with both. */
export interface AccountFootprint {
  readonly user: TestAccount;
  readonly tablet: TestAccount & { deviceId: number };
  readonly friend: TestAccount;
  readonly third: TestAccount;
  readonly group: TestGroup;
}

/** An upload through the gateway that must succeed. */
async function uploadFile(
  url: string,
  token: string,
  query: string,
  variables: Record<string, unknown>,
  bytes: Uint8Array,
): Promise<void> {
  const response = await postUpload(url, query, variables, bytes, token);
  if (response.status !== 200 || response.errors)
    throw new Error(`upload failed: ${JSON.stringify(response)}`);
}

/**
 * Registers the user and leaves a trace everywhere: KeyPackages, sessions and unidentified access
 * (auth); a direct conversation they spoke in, a sent record, mail waiting on both devices and a
 * group (messaging); a presence record and visibility setting (presence); an attachment and an
 * avatar (media); a push token (notification). What the user sent is read and acknowledged by its recipients, so
 * that nothing left behind legitimately names them.
 */
export async function leaveFootprint(url: string): Promise<AccountFootprint> {
  const [user, friend, third] = await Promise.all([
    registerAccount(url),
    registerAccount(url),
    registerAccount(url),
  ]);
  await publishKeyPackages(
    url,
    user.accessToken,
    await createMlsClient({ userId: user.userId, deviceId: 1 }),
    1,
  );

  await expectData(
    url,
    'mutation ($key: Base64) { setUnidentifiedAccess(accessKey: $key) }',
    { key: randomBytes(16).toString('base64') },
    user.accessToken,
  );
  await startDirectConversation(url, user, friend);
  const fromUser = await readInbox(url, friend.accessToken);
  await ackEnvelopes(
    url,
    friend.accessToken,
    fromUser.map((envelope) => envelope.id),
  );
  // Linked after their send, which would otherwise have to cover it too.
  const tablet = await linkDevice(url, user);
  await sendOpaqueMessage(url, friend, user, { content: 'waiting on both devices' });
  const group = await createGroupWith(url, friend, [user, third]);

  await expectData(
    url,
    'mutation { setPresenceVisibility(visibility: NOBODY) setPresence(status: AWAY) { status } }',
    {},
    user.accessToken,
  );
  const attachment = randomBytes(2048);
  await uploadFile(
    url,
    user.accessToken,
    uploadEncryptedMutation,
    { sha256: createHash('sha256').update(attachment).digest('hex') },
    attachment,
  );
  const avatar = await sharp({
    create: { width: 16, height: 16, channels: 3, background: { r: 200, g: 30, b: 30 } },
  })
    .png()
    .toBuffer();
  await uploadFile(
    url,
    user.accessToken,
    'mutation ($file: Upload!) { setAvatar(file: $file) { id } }',
    {},
    avatar,
  );
  await expectData(
    url,
    'mutation ($token: String!) { registerPushToken(platform: FCM, token: $token) }',
    { token: `fcm-${randomBytes(24).toString('hex')}` },
    tablet.accessToken,
  );
  return { user, tablet, friend, third, group };
}
