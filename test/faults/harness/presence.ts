import { expectData } from '../../support/graphql-client.js';
import type { LoadWorld } from './world.js';

/** The users that `viewer` (a user of the world, who shares the group with them) sees ONLINE or AWAY. */
export async function presentUsers(url: string, world: LoadWorld): Promise<string[]> {
  const [viewer, ...others] = world.users;
  const token = viewer?.devices[0]?.accessToken;
  if (!token) return [];
  const present: string[] = [];
  for (const user of others) {
    try {
      const { user: seen } = await expectData<{
        user: { presence: { status: string } | null } | null;
      }>(
        url,
        'query ($id: ID!) { user(id: $id) { presence { status } } }',
        { id: user.userId },
        token,
      );
      if (seen?.presence?.status !== 'OFFLINE') present.push(user.userId);
    } catch {
      present.push(user.userId);
    }
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
