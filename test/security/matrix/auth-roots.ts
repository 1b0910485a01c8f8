import { randomBytes } from 'node:crypto';
import { expect } from '@jest/globals';
import { expectData } from '../../support/graphql-client.js';
import { firstCode, ownOnly, refused, text, type RootCase } from './expectations.js';

/** The auth subgraph's root fields in the authorization matrix (see ../matrix-cases.ts). */
export const authRootCases: Record<string, RootCase> = {
  'Query.me': {
    document: '{ me { id username } }',
    foreign: ownOnly('her own account', (data, w) =>
      expect((data['me'] as { id: string }).id).toBe(w.mallory.userId),
    ),
  },
  'Query.user': {
    document:
      'query ($id: ID!) { user(id: $id) { id username devices { deviceId name lastSeenAt } } }',
    variables: (w) => ({ id: w.victim.userId }),
    foreign: ownOnly('the public profile; device names and last-seen hidden', (data) => {
      const user = data['user'] as { devices: { name: unknown; lastSeenAt: unknown }[] };
      expect(user.devices.length).toBe(2);
      for (const device of user.devices)
        expect([device.name, device.lastSeenAt]).toEqual([null, null]);
    }),
  },
  'Query.userByUsername': {
    document: 'query ($u: String!) { userByUsername(username: $u) { id devices { name } } }',
    variables: (w) => ({ u: w.victim.username }),
    foreign: ownOnly('the public profile; device names hidden', (data, w) => {
      const user = data['userByUsername'] as { id: string; devices: { name: unknown }[] };
      expect(user.id).toBe(w.victim.userId);
      expect(user.devices.map((device) => device.name)).toEqual([null, null]);
    }),
  },
  'Query.sessions': {
    document: '{ sessions { id } }',
    foreign: ownOnly('her own sessions only', (data, w) =>
      expect(text(data['sessions'])).not.toContain(w.victimSessionId),
    ),
  },
  'Query.preKeyCount': {
    document: '{ preKeyCount { ecOneTime kyberOneTime } }',
    foreign: ownOnly('her own device’s counts (no argument names anyone else)', (data) =>
      expect(data['preKeyCount']).toBeDefined(),
    ),
  },
  'Mutation.register': {
    document: 'mutation ($input: RegisterInput!) { register(input: $input) { accessToken } }',
    variables: (w) => ({
      input: {
        username: w.victim.username.toUpperCase(),
        password: 'a-long-password',
        device: {
          registrationId: 1,
          identityKey: 'AA==',
          signedPreKey: { keyId: 1, publicKey: 'AA==', signature: 'AA==' },
          kyberLastResortPreKey: { keyId: 1, publicKey: 'AA==', signature: 'AA==' },
        },
      },
    }),
    publicBecause: 'creating an account is how one gets a token',
    foreign: {
      promise: 'cannot take the victim’s username in any case',
      check: (response) => {
        expect(['CONFLICT', 'BAD_USER_INPUT']).toContain(firstCode(response));
        expect(response.data?.['register'] ?? null).toBeNull();
      },
    },
  },
  'Mutation.login': {
    document: 'mutation ($input: LoginInput!) { login(input: $input) { accessToken } }',
    variables: (w) => ({
      input: { username: w.victim.username, password: 'not-the-password', deviceId: 1 },
    }),
    publicBecause: 'signing in is how one gets a token',
    // Wrong passwords for one username are limited: the later tries are RATE_LIMITED.
    foreign: refused(['UNAUTHENTICATED', 'RATE_LIMITED'], 'login'),
  },
  'Mutation.refreshSession': {
    document: 'mutation ($t: String!) { refreshSession(refreshToken: $t) { accessToken } }',
    variables: () => ({ t: randomBytes(32).toString('base64url') }),
    publicBecause: 'the refresh token is the credential',
    foreign: refused('UNAUTHENTICATED', 'refreshSession'),
  },
  'Mutation.logout': {
    document: 'mutation { logout }',
    endsSession: true,
    foreign: ownOnly('ends her own session only', async (_data, w) => {
      await expectData(w.url, '{ me { id } }', {}, w.victim.accessToken);
    }),
  },
  'Mutation.revokeSession': {
    document: 'mutation ($id: ID!) { revokeSession(id: $id) }',
    variables: (w) => ({ id: w.victimSessionId }),
    foreign: refused('NOT_FOUND', 'revokeSession'),
  },
  'Mutation.removeDevice': {
    document: 'mutation { removeDevice(deviceId: 2) }',
    foreign: refused('NOT_FOUND', 'removeDevice'),
  },
  'Mutation.deleteAccount': {
    document: 'mutation ($p: String!) { deleteAccount(password: $p) }',
    // Her token with the victim's password: checked against her own account, so refused.
    variables: (w) => ({ p: w.victim.password }),
    foreign: refused('UNAUTHENTICATED', 'deleteAccount'),
  },
  'Mutation.uploadPreKeys': {
    document: 'mutation { uploadPreKeys(input: {}) { ecOneTime } }',
    foreign: ownOnly('her own device only (no argument names anyone else)', (data) =>
      expect(data['uploadPreKeys']).toBeDefined(),
    ),
  },
  'Mutation.claimPreKeyBundles': {
    document:
      'mutation ($id: ID!) { claimPreKeyBundles(userId: $id, deviceIds: [1]) { deviceId } }',
    variables: (w) => ({ id: w.victim.userId }),
    foreign: ownOnly(
      'allowed: anyone signed in may start a conversation (claims are rate limited)',
      (data) => expect(data['claimPreKeyBundles']).toHaveLength(1),
    ),
  },
  'Mutation.uploadKeyPackages': {
    document: 'mutation { uploadKeyPackages(keyPackages: []) }',
    foreign: ownOnly('her own device only (no argument names anyone else)', (data) =>
      expect(data['uploadKeyPackages']).toBe(0),
    ),
  },
  'Mutation.claimKeyPackages': {
    document: 'mutation ($ids: [ID!]!) { claimKeyPackages(userIds: $ids) { deviceId } }',
    variables: (w) => ({ ids: [w.victim.userId] }),
    foreign: ownOnly(
      'allowed: anyone signed in may add a user to a group (claims are rate limited)',
      (data) => expect(Array.isArray(data['claimKeyPackages'])).toBe(true),
    ),
  },
  'Query.sealedSenderTrustRoot': {
    document: '{ sealedSenderTrustRoot }',
    publicBecause: 'clients pin the trust root before they have an account',
    foreign: ownOnly('the one public key, the same for everyone', (data) =>
      expect(typeof data['sealedSenderTrustRoot']).toBe('string'),
    ),
  },
  'Query.senderCertificate': {
    document: '{ senderCertificate }',
    foreign: ownOnly('a certificate for her own device (no argument names anyone else)', (data) =>
      expect(typeof data['senderCertificate']).toBe('string'),
    ),
  },
  'Mutation.setUnidentifiedAccess': {
    document: 'mutation ($key: Base64) { setUnidentifiedAccess(accessKey: $key) }',
    variables: () => ({ key: randomBytes(16).toString('base64') }),
    foreign: ownOnly('her own access key only (no argument names anyone else)', (data) =>
      expect(data['setUnidentifiedAccess']).toBe(true),
    ),
  },
};
