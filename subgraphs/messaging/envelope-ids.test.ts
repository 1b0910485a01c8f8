import { describe, expect, it } from '@jest/globals';
import { uuid7 } from '../../shared/ids/index.js';
import { envelopeId, envelopesOfClaim } from './envelope-ids.js';
import type { EnvelopeRecord } from './store.js';

const uuidV7 = /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

describe('envelope ids', () => {
  const messageId = uuid7();
  const source = {
    messageId,
    recipientUserId: 'bob',
    recipientDeviceId: 2,
    type: 'SIGNAL_MESSAGE',
  } as const;

  it('are UUIDv7s that depend only on the message, the device and the type', () => {
    expect(envelopeId(source)).toMatch(uuidV7);
    expect(envelopeId({ ...source })).toBe(envelopeId(source));
    const others = [
      { ...source, recipientDeviceId: 3 },
      { ...source, recipientUserId: 'carol' },
      { ...source, type: 'MLS_WELCOME' as const },
      { ...source, messageId: uuid7() },
    ].map(envelopeId);
    expect(new Set([envelopeId(source), ...others]).size).toBe(5);
  });

  it('sort as their messages do: the first 64 bits are the message id’s', () => {
    const later = uuid7();
    expect(envelopeId(source).slice(0, 19)).toBe(messageId.slice(0, 19));
    expect(envelopeId({ ...source, messageId: later }) > envelopeId(source)).toBe(true);
  });

  it('move envelopes onto a claimed message: its id, time and the ids it gave the devices', () => {
    const now = new Date();
    const envelope: EnvelopeRecord = {
      ...source,
      id: envelopeId(source),
      senderUserId: 'alice',
      senderDeviceId: 1,
      conversationId: null,
      content: new Uint8Array([1]),
      serverTimestamp: now,
      expiresAt: new Date(now.getTime() + 1000),
      receiptRequested: false,
    };
    const claim = { messageId: uuid7(now.getTime() - 5000), serverTimestamp: new Date(0) };
    const [moved] = envelopesOfClaim([envelope], claim);
    expect(moved).toEqual({
      ...envelope,
      id: envelopeId({ ...source, messageId: claim.messageId }),
      messageId: claim.messageId,
      serverTimestamp: claim.serverTimestamp,
      expiresAt: new Date(1000),
    });
  });
});
