import { expect } from '@jest/globals';
import { registerAccount } from '../../support/accounts.js';
import { ClaimPreKeyBundlesDocument } from '../../../schema/generated/operations.js';
import { expectData } from '../../support/graphql-client.js';
import { buildSessionFromBundle, decryptFrom, encryptFor } from '../../support/signal-device.js';
import type { E2eTarget } from './target.js';

/** builds a real PQXDH session from a bundle the API handed out. */
export async function signalBundleSessionScenario(guardyn: E2eTarget): Promise<void> {
  const alice = await registerAccount(guardyn.url);
  const bob = await registerAccount(guardyn.url);
  const { claimPreKeyBundles } = await expectData(
    guardyn.url,
    ClaimPreKeyBundlesDocument,
    { userId: bob.userId },
    alice.accessToken,
  );
  const [bundle] = claimPreKeyBundles;
  if (!bundle) throw new Error('no bundle');

  await buildSessionFromBundle(alice.device, bundle);
  const plaintext = new TextEncoder().encode('hello Bob, over PQXDH');
  const envelope = await encryptFor(alice.device, bob.device, plaintext);
  expect(envelope.type).toBe('PREKEY_MESSAGE');
  const decrypted = await decryptFrom(bob.device, alice.device, envelope.content, envelope.type);
  expect(new TextDecoder().decode(decrypted)).toBe('hello Bob, over PQXDH');

  const reply = await encryptFor(bob.device, alice.device, new TextEncoder().encode('hi Alice'));
  expect(
    new TextDecoder().decode(
      await decryptFrom(alice.device, bob.device, reply.content, reply.type),
    ),
  ).toBe('hi Alice');
}
