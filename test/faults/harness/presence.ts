import { expectData } from '../../support/graphql-client.js';
import type { LoadWorld } from './world.js';

/**
 * Whether `viewer` sees `userId` ONLINE or AWAY. Unanswered or hidden counts as present: the
 * check is that everyone is seen OFFLINE, and the viewer shares a conversation with them.
 */
export async function seenPresent(url: string, viewerToken: string, userId: string) {
  try {
    const { user } = await expectData<{ user: { presence: { status: string } | null } | null }>(
      url,
      'query ($id: ID!) { user(id: $id) { presence { status } } }',
      { id: userId },
      viewerToken,
    );
    return user?.presence?.status !== 'OFFLINE';
  } catch {
    return true;
  }
}

/** The users of the world whom its first user sees ONLINE or AWAY. */
export async function presentUsers(url: string, world: LoadWorld): Promise<string[]> {
  const [viewer, ...others] = world.users;
  const token = viewer?.devices[0]?.accessToken;
  if (!token) return [];
  const present: string[] = [];
  for (const user of others) {
    if (await seenPresent(url, token, user.userId)) present.push(user.userId);
  }
  return present;
}

/** Asks every second until nobody is seen present or `timeoutMs` passed; returns who still is. */
export async function waitUntilAbsent(
  url: string,
  world: LoadWorld,
  timeoutMs: number,
): Promise<string[]> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const present = await presentUsers(url, world);
    if (present.length === 0 || Date.now() > deadline) return present;
    await new Promise((resolve) => setTimeout(resolve, 1_000));
  }
}
