import { expect } from '@jest/globals';
import { nextMessages, registerPerson } from '../../support/sdk-people.js';
import type { E2eTarget } from './target.js';

/**
 * With the SDK: an MLS group of three (KeyPackages claimed, commit and Welcome sent), messages
 * both ways, a member added and one removed, and the newcomer reading at the group's epoch.
 */
export async function sdkGroupsScenario(target: E2eTarget): Promise<void> {
  const { url } = target;
  const [alice, bob, carol, dave] = await Promise.all(
    ['alice', 'bob', 'carol', 'dave'].map((name) => registerPerson(url, name)),
  );
  if (!alice || !bob || !carol || !dave) throw new Error('registration failed');

  const group = await alice.createGroup([bob.userId, carol.userId]);
  expect((await group.members()).sort()).toEqual([alice.userId, bob.userId, carol.userId].sort());
  await group.send('hello group');
  // Bob and Carol join from the Welcome, then decrypt.
  for (const member of [bob, carol]) {
    const [message] = await nextMessages(member, 1);
    expect(message).toMatchObject({
      senderId: alice.userId,
      groupId: group.id,
      conversationId: group.id,
      text: 'hello group',
    });
  }

  const bobsView = await bob.group(group.id);
  await bobsView.send('hi from bob');
  expect((await nextMessages(alice, 1))[0]?.text).toBe('hi from bob');
  expect((await nextMessages(carol, 1))[0]?.text).toBe('hi from bob');

  await group.add([dave.userId]);
  await group.remove([carol.userId]);
  expect((await group.members()).sort()).toEqual([alice.userId, bob.userId, dave.userId].sort());
  await group.send('without carol');
  expect((await nextMessages(dave, 1))[0]?.text).toBe('without carol');
  expect((await nextMessages(bob, 1))[0]?.text).toBe('without carol');
  expect(await (await dave.group(group.id)).epoch()).toBe(await group.epoch());
  expect(await bobsView.epoch()).toBe(await group.epoch());

  // Bob leaves: the server drops him, and his device forgets the group.
  await bobsView.leave();
  await expect(bob.group(group.id)).rejects.toThrow('not in group');

  await Promise.all([alice, bob, carol, dave].map((client) => client.close()));
}
