import { expect } from '@jest/globals';
import { uploadEncryptedMutation } from '../world.js';
import { firstCode, ownOnly, refused, type RootCase } from './expectations.js';

/** The media subgraph's root fields in the authorization matrix (see ../matrix-cases.ts). */
export const mediaRootCases: Record<string, RootCase> = {
  'Query.media': {
    document: 'query ($id: ID!) { media(id: $id) { id size encrypted } }',
    variables: (w) => ({ id: w.victimMediaId }),
    foreign: ownOnly(
      'allowed: a media id is a capability that travels inside encrypted messages; the bytes are ciphertext',
      (data, w) => expect((data['media'] as { id: string }).id).toBe(w.victimMediaId),
    ),
  },
  'Mutation.uploadMedia': {
    document: uploadEncryptedMutation,
    upload: true,
    foreign: ownOnly('stores a media of her own', (data) =>
      expect(data['uploadMedia']).toBeDefined(),
    ),
  },
  'Mutation.setAvatar': {
    document: 'mutation ($file: Upload!) { setAvatar(file: $file) { id } }',
    upload: true,
    foreign: {
      promise: 'her own avatar only (the bytes here are not an image)',
      check: (response) => expect(firstCode(response)).toBe('BAD_USER_INPUT'),
    },
  },
  'Mutation.deleteMedia': {
    document: 'mutation ($id: ID!) { deleteMedia(id: $id) }',
    variables: (w) => ({ id: w.victimMediaId }),
    foreign: refused('NOT_FOUND', 'deleteMedia'),
  },
};
