import { expect } from '@jest/globals';
import { GuardynClient, MemoryStore } from '@guardyn/client';
import {
  ClaimPreKeyBundlesDocument,
  PreKeyCountDocument,
} from '../../../schema/generated/operations.js';
import { expectData } from '../../support/graphql-client.js';
import { accessTokenOf, nextMessages, registerPerson } from '../../support/sdk-people.js';
import type { E2eTarget } from './target.js';

/**
 * With the SDK: one-time prekeys are topped up when they run low, the signed prekeys rotate when
 * they are too old, and a device resumed from its store refreshes a refused access token.
 */
export async function sdkKeyUpkeepScenario(target: E2eTarget): Promise<void> {
  const { url } = target;
  const store = new MemoryStore();
  const keys = { preKeyBatch: 4, preKeyLowWater: 3 };
  const bob = await GuardynClient.register({
    url,
    username: `bob_${Date.now().toString(36)}`,
    password: 'correct horse battery',
    store,
    keys,
  });
  const senders = await Promise.all(['alice', 'carol', 'dave'].map((n) => registerPerson(url, n)));
  // Three new sessions use three of Bob's four one-time keys of each kind...
  for (const sender of senders) await sender.send(bob.userId, `hi from ${sender.userId}`);
  const counts = async () =>
    (await expectData(url, PreKeyCountDocument, {}, await accessTokenOf(bob))).preKeyCount;
  expect(await counts()).toEqual({ ecOneTime: 1, kyberOneTime: 1 });
  // ...and the first PreKeySignalMessage Bob opens makes him upload a batch.
  expect(await nextMessages(bob, 3)).toHaveLength(3);
  expect(await counts()).toEqual({ ecOneTime: 5, kyberOneTime: 5 });

  // A device that starts again with an access token the server refuses refreshes it; its
  // signed prekeys, older than the (zero) limit, are rotated.
  await bob.close();
  const saved = JSON.parse((await store.get('account', 'device')) ?? '{}') as {
    tokens: { accessToken: string; refreshToken: string; expiresAt: string };
  };
  await store.set(
    'account',
    'device',
    JSON.stringify({ ...saved, tokens: { ...saved.tokens, accessToken: 'not.a.token' } }),
  );
  const again = await GuardynClient.resume({ url, store, keys: { signedPreKeyMaxAgeMs: 0 } });
  const refreshed = JSON.parse((await store.get('account', 'device')) ?? '{}') as typeof saved;
  expect(refreshed.tokens.refreshToken).not.toBe(saved.tokens.refreshToken);

  const [alice] = senders;
  if (!alice) throw new Error('no alice');
  const { claimPreKeyBundles } = await expectData(
    url,
    ClaimPreKeyBundlesDocument,
    { userId: bob.userId },
    await accessTokenOf(alice),
  );
  expect(claimPreKeyBundles[0]?.signedPreKey.keyId).toBe(2);
  // A new session is built on the rotated keys, and Bob opens it.
  const erin = await registerPerson(url, 'erin');
  await erin.send(bob.userId, 'after the rotation');
  expect((await nextMessages(again, 1))[0]?.text).toBe('after the rotation');

  await Promise.all([again, erin, ...senders].map((client) => client.close()));
}
