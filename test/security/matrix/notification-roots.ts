import { randomBytes } from 'node:crypto';
import { expect } from '@jest/globals';
import { ownOnly, type RootCase } from './expectations.js';

/** The notification subgraph's root fields in the authorization matrix (see ../matrix-cases.ts). */
export const notificationRootCases: Record<string, RootCase> = {
  'Mutation.registerPushToken': {
    document: 'mutation ($t: String!) { registerPushToken(platform: APNS, token: $t) }',
    variables: () => ({ t: randomBytes(32).toString('hex') }),
    foreign: ownOnly('her own device only (no argument names anyone else)', (data) =>
      expect(data['registerPushToken']).toBe(true),
    ),
  },
  'Mutation.unregisterPushToken': {
    document: 'mutation { unregisterPushToken }',
    foreign: ownOnly('her own device only', (data) =>
      expect(typeof data['unregisterPushToken']).toBe('boolean'),
    ),
  },
};
