import { expect } from '@jest/globals';
import { type World } from '../world.js';

/** Entities each subgraph resolves by key, as the gateway asks for them. */
export const entityCases: Record<
  string,
  { representation: (w: World) => Record<string, unknown>; fields: string; foreign: string }
> = {
  'auth:User': {
    representation: (w) => ({ __typename: 'User', id: w.victim.userId }),
    fields: '... on User { id username devices { name } }',
    foreign: 'the public profile, device names hidden',
  },
  'auth:Device': {
    representation: (w) => ({ __typename: 'Device', id: `${w.victim.userId}:2` }),
    fields: '... on Device { id registrationId name lastSeenAt }',
    foreign: 'what fan-out needs; name and last-seen hidden',
  },
  'messaging:User': {
    representation: (w) => ({ __typename: 'User', id: w.victim.userId }),
    fields: '... on User { id }',
    foreign: 'only the id the caller sent',
  },
  'messaging:Conversation': {
    representation: (w) => ({ __typename: 'Conversation', id: w.victimGroupId }),
    fields: '... on Conversation { id members { id } }',
    foreign: 'null for a non-member',
  },
  'messaging:Envelope': {
    representation: (w) => ({ __typename: 'Envelope', id: w.victimEnvelopeId }),
    fields: '... on Envelope { id content }',
    foreign: 'null: only the recipient device sees it',
  },
  'presence:User': {
    representation: (w) => ({ __typename: 'User', id: w.victim.userId }),
    fields: '... on User { id presence { status lastSeenAt } }',
    foreign: 'presence null for a stranger',
  },
  'media:Media': {
    representation: (w) => ({ __typename: 'Media', id: w.victimMediaId }),
    fields: '... on Media { id size }',
    foreign: 'allowed: the id is a capability',
  },
  'media:User': {
    representation: (w) => ({ __typename: 'User', id: w.victim.userId }),
    fields: '... on User { id avatar { id } }',
    foreign: 'allowed: avatars are for anyone signed in',
  },
  'notification:Device': {
    representation: (w) => ({ __typename: 'Device', id: `${w.victim.userId}:1` }),
    fields: '... on Device { id push { platform } }',
    foreign: 'push registration hidden from others',
  },
};

/** Checks what Mallory gets for one entity: nothing private. */
export function checkForeignEntity(
  key: string,
  entity: Record<string, unknown> | null,
  w: World,
): void {
  switch (key) {
    case 'auth:User':
      expect((entity?.['devices'] as { name: unknown }[]).map((device) => device.name)).toEqual([
        null,
        null,
      ]);
      break;
    case 'auth:Device':
      expect([entity?.['name'], entity?.['lastSeenAt']]).toEqual([null, null]);
      break;
    case 'messaging:User':
      expect(entity).toEqual({ id: w.victim.userId });
      break;
    case 'messaging:Conversation':
    case 'messaging:Envelope':
      expect(entity).toBeNull();
      break;
    case 'presence:User':
      expect(entity?.['presence'] ?? null).toBeNull();
      break;
    case 'media:Media':
      expect(entity?.['id']).toBe(w.victimMediaId);
      break;
    case 'media:User':
      expect(entity?.['id']).toBe(w.victim.userId);
      break;
    case 'notification:Device':
      expect(entity?.['push'] ?? null).toBeNull();
      break;
    default:
      throw new Error(`no check for ${key}`);
  }
}
