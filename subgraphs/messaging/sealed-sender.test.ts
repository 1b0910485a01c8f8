import { describe, expect, it } from '@jest/globals';
import { BadUserInputError } from '../../shared/errors/index.js';
import { isSealedSend } from './sealed-sender.js';
import type { EnvelopeType } from './store.js';

const target = (userId: string, type: EnvelopeType) => ({ userId, envelope: { type } });

describe('isSealedSend', () => {
  it('is sealed when every envelope for the recipient is SEALED_SENDER, whatever the own devices get', () => {
    expect(
      isSealedSend(
        [
          target('bob', 'SEALED_SENDER'),
          target('bob', 'SEALED_SENDER'),
          target('me', 'SIGNAL_MESSAGE'),
        ],
        'bob',
        'me',
      ),
    ).toBe(true);
    expect(
      isSealedSend([target('bob', 'SIGNAL_MESSAGE'), target('me', 'SEALED_SENDER')], 'bob', 'me'),
    ).toBe(false);
  });

  it('refuses a mix of sealed and unsealed envelopes for the recipient', () => {
    expect(() =>
      isSealedSend([target('bob', 'SEALED_SENDER'), target('bob', 'PREKEY_MESSAGE')], 'bob', 'me'),
    ).toThrow(BadUserInputError);
  });

  it('never calls a note to self sealed (it opens no conversation anyway)', () => {
    expect(isSealedSend([target('me', 'SEALED_SENDER')], 'me', 'me')).toBe(false);
  });
});
