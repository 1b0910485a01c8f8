import { expect } from '@jest/globals';
import { GuardynClient } from '@guardyn/client';
import { nextMessages, registerPerson } from '../../support/sdk-people.js';
import type { E2eTarget } from './target.js';

/**
 * With the SDK: an MLS group of three (KeyPackages claimed, commit and Welcome sent), messages
 * both ways, a member added and one removed, and the newcomer reading at the group's epoch. Every
 * device of each member is in the group: the creator's laptop (its Welcome comes in a note to
 * self) and the added member's phone.
 */
export async function sdkGroupsScenario(target: E2eTarget): Promise<void> {
  const { url } = target;
  const [alice, bob, carol, dave] = await Promise.all(
    ['alice', 'bob', 'carol', 'dave'].map((name) => registerPerson(url, name)),
  );
  if (!alice || !bob || !carol || !dave) throw new Error('registration failed');
  const aliceLaptop = await GuardynClient.linkDevice({ url, ...alice.credentials });
  const davePhone = await GuardynClient.linkDevice({ url, ...dave.credentials });

  const group = await alice.createGroup([bob.userId, carol.userId]);
  expect((await group.members()).sort()).toEqual([alice.userId, bob.userId, carol.userId].sort());
  await group.send('hello group');
  // Bob, Carol and Alice's laptop join from the Welcome, then decrypt.
  for (const member of [bob, carol, aliceLaptop]) {
    const [message] = await nextMessages(member, 1);
    expect(message).toMatchObject({
      senderId: alice.userId,
      senderDeviceId: alice.deviceId,
      groupId: group.id,
      conversationId: group.id,
      text: 'hello group',
    });
  }

  const bobsView = await bob.group(group.id);
  await bobsView.send('hi from bob');
  expect((await nextMessages(alice, 1))[0]?.text).toBe('hi from bob');
  expect((await nextMessages(carol, 1))[0]?.text).toBe('hi from bob');
  expect((await nextMessages(aliceLaptop, 1))[0]?.text).toBe('hi from bob');
  // The laptop writes to the group as well; its sibling device reads it like any member.
  await (await aliceLaptop.group(group.id)).send('from alice’s laptop');
  for (const member of [alice, bob]) {
    expect((await nextMessages(member, 1))[0]).toMatchObject({
      senderId: alice.userId,
      senderDeviceId: aliceLaptop.deviceId,
      text: 'from alice’s laptop',
    });
  }

  await group.add([dave.userId]);
  await group.remove([carol.userId]);
  expect((await group.members()).sort()).toEqual([alice.userId, bob.userId, dave.userId].sort());
  await group.send('without carol');
  for (const member of [dave, davePhone, bob, aliceLaptop]) {
    expect((await nextMessages(member, 1))[0]?.text).toBe('without carol');
  }
  for (const member of [dave, davePhone, aliceLaptop, bob]) {
    expect(await (await member.group(group.id)).epoch()).toBe(await group.epoch());
  }

  // Bob leaves: the server drops him, and his device forgets the group.
  await bobsView.leave();
  await expect(bob.group(group.id)).rejects.toThrow('not in group');

  await Promise.all(
    [alice, aliceLaptop, bob, carol, dave, davePhone].map((client) => client.close()),
  );
}
