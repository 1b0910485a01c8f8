import { createHash, randomBytes } from 'node:crypto';
import { linkDevice, registerAccount, type TestAccount } from '../support/accounts.js';
import { expectData } from '../support/graphql-client.js';
import {
  readInbox,
  sendOpaqueMessage,
  startDirectConversation,
} from '../support/messaging-client.js';
import type { TestGuardyn } from '../support/test-guardyn.js';
import { postUpload, uploadEncryptedMutation } from '../support/uploads.js';

/**
 * The state an attacker goes after: a victim with a linked device, keys, a session, a group, a
 * direct conversation with a friend, an envelope waiting in the victim's mailbox, a media and a
 * push token. Mallory has an account of her own and nothing else.
 */
export interface World {
  readonly url: string;
  readonly victim: TestAccount;
  readonly friend: TestAccount;
  readonly mallory: TestAccount;
  readonly victimSessionId: string;
  readonly victimGroupId: string;
  readonly victimMlsGroupId: string;
  readonly directConversationId: string;
  readonly victimEnvelopeId: string;
  readonly victimMediaId: string;
}

export { postUpload, uploadEncryptedMutation } from '../support/uploads.js';

export async function buildWorld(guardyn: TestGuardyn): Promise<World> {
  const { url } = guardyn;
  const [victim, friend, mallory] = await Promise.all([
    registerAccount(url, { username: `victim_${randomBytes(4).toString('hex')}` }),
    registerAccount(url),
    registerAccount(url),
  ]);
  const { sessions } = await expectData<{ sessions: { id: string; current: boolean }[] }>(
    url,
    '{ sessions { id current } }',
    {},
    victim.accessToken,
  );
  const victimSessionId = sessions.find((session) => session.current)?.id;
  if (!victimSessionId) throw new Error('the victim has no current session');

  const directConversationId = await startDirectConversation(url, victim, friend);
  // Linked after the victim's own send, which would otherwise have to cover it.
  await linkDevice(url, victim, { deviceName: 'victim laptop' });
  await sendOpaqueMessage(url, friend, victim, { content: 'for the victim only' });
  const [envelope] = await readInbox(url, victim.accessToken);
  if (!envelope) throw new Error('the victim has no envelope');

  const victimMlsGroupId = randomBytes(32).toString('base64');
  const { createGroup } = await expectData<{ createGroup: { id: string } }>(
    url,
    'mutation ($input: CreateGroupInput!) { createGroup(input: $input) { id } }',
    { input: { mlsGroupId: victimMlsGroupId } },
    victim.accessToken,
  );

  const bytes = randomBytes(64);
  const uploaded = await postUpload(
    url,
    uploadEncryptedMutation,
    { sha256: createHash('sha256').update(bytes).digest('hex') },
    bytes,
    victim.accessToken,
  );
  const media = uploaded.data?.['uploadMedia'] as { id: string } | undefined;
  if (!media) throw new Error(`upload failed: ${JSON.stringify(uploaded)}`);

  await expectData(
    url,
    'mutation ($token: String!) { registerPushToken(platform: APNS, token: $token) }',
    { token: randomBytes(32).toString('hex') },
    victim.accessToken,
  );

  return {
    url,
    victim,
    friend,
    mallory,
    victimSessionId,
    victimGroupId: createGroup.id,
    victimMlsGroupId,
    directConversationId,
    victimEnvelopeId: envelope.id,
    victimMediaId: media.id,
  };
}
