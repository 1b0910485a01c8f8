import { describe, expect, it } from '@jest/globals';
import { validateKeyPackage } from '../../subgraphs/auth/keys/mls-key-package.js';
import { createKeyPackage, createMlsClient } from '../support/mls-client.js';
import {
  addMembers,
  createMlsGroup,
  decryptApplicationMessage,
  encryptApplicationMessage,
  epochOf,
  joinFromWelcome,
  memberIdentities,
  processCommit,
  removeMember,
} from '../support/mls-group.js';

const text = (bytes: Uint8Array): string => new TextDecoder().decode(bytes);

describe('an MLS group built from claimed KeyPackages', () => {
  it('welcomes members, exchanges application messages and removes a member', async () => {
    const alice = await createMlsClient({ userId: 'alice', deviceId: 1 });
    const bob = await createMlsClient({ userId: 'bob', deviceId: 1 });
    const carol = await createMlsClient({ userId: 'carol', deviceId: 2 });

    const bobKeyPackage = await createKeyPackage(bob);
    // What the key directory would accept, then hand to alice through claimKeyPackages.
    await validateKeyPackage(bobKeyPackage.bytes, { expectedIdentity: 'bob.1', now: new Date() });

    const aliceInGroup = await createMlsGroup(alice);
    expect(epochOf(aliceInGroup)).toBe(0n);
    const added = await addMembers(aliceInGroup, [bobKeyPackage.bytes]);
    const bobInGroup = await joinFromWelcome(bob, added.welcome);
    expect(epochOf(aliceInGroup)).toBe(1n);
    expect(epochOf(bobInGroup)).toBe(1n);
    expect(memberIdentities(bobInGroup)).toEqual(['alice.1', 'bob.1']);

    const hello = await encryptApplicationMessage(aliceInGroup, 'hello bob');
    expect(text(await decryptApplicationMessage(bobInGroup, hello))).toBe('hello bob');
    const reply = await encryptApplicationMessage(bobInGroup, 'hello alice');
    expect(text(await decryptApplicationMessage(aliceInGroup, reply))).toBe('hello alice');

    const addCarol = await addMembers(aliceInGroup, [(await createKeyPackage(carol)).bytes]);
    await processCommit(bobInGroup, addCarol.commit);
    const carolInGroup = await joinFromWelcome(carol, addCarol.welcome);
    expect(epochOf(bobInGroup)).toBe(2n);
    expect(epochOf(carolInGroup)).toBe(2n);

    const removal = await removeMember(aliceInGroup, 'bob.1');
    await processCommit(carolInGroup, removal.commit);
    expect(memberIdentities(carolInGroup)).toEqual(['alice.1', 'carol.2']);
    const toCarol = await encryptApplicationMessage(aliceInGroup, 'bob has left');
    expect(text(await decryptApplicationMessage(carolInGroup, toCarol))).toBe('bob has left');
  });
});
