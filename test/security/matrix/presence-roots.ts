import { expect } from '@jest/globals';
import { expectData } from '../../support/graphql-client.js';
import { ownOnly, refused, type RootCase } from './expectations.js';

/** The presence subgraph's root fields in the authorization matrix (see ../matrix-cases.ts). */
export const presenceRootCases: Record<string, RootCase> = {
  'Mutation.setPresence': {
    document: 'mutation { setPresence(status: AWAY) { status } }',
    foreign: ownOnly('her own presence only', (data) =>
      expect(data['setPresence']).toEqual({ status: 'AWAY' }),
    ),
  },
  'Query.presenceVisibility': {
    document: '{ presenceVisibility }',
    foreign: ownOnly('her own setting (no argument names anyone else)', (data) =>
      expect(['CONTACTS', 'NOBODY']).toContain(data['presenceVisibility']),
    ),
  },
  'Mutation.setPresenceVisibility': {
    document: 'mutation { setPresenceVisibility(visibility: NOBODY) }',
    foreign: ownOnly('her own setting only', async (data, w) => {
      expect(data['setPresenceVisibility']).toBe('NOBODY');
      const { presenceVisibility } = await expectData<{ presenceVisibility: string }>(
        w.url,
        '{ presenceVisibility }',
        {},
        w.victim.accessToken,
      );
      expect(presenceVisibility).toBe('CONTACTS');
    }),
  },
  'Mutation.setTyping': {
    document: 'mutation ($id: ID!) { setTyping(conversationId: $id, typing: true) }',
    variables: (w) => ({ id: w.victimGroupId }),
    foreign: refused('FORBIDDEN', 'setTyping'),
  },
};
