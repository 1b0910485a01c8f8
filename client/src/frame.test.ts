import { randomBytes } from 'node:crypto';
import { describe, expect, it } from '@jest/globals';
import { decodeFrame, encodeFrame, type Frame } from './frame.js';

const conversationId = '0191f0e2-7c1a-7b3e-9a55-3f2d9c1b8e40';

describe('the one-to-one frame', () => {
  it.each<[string, Frame]>([
    [
      'a message with key and conversation',
      {
        kind: 'message',
        accessKey: new Uint8Array(randomBytes(16)),
        conversationId,
        payload: new TextEncoder().encode('hello'),
      },
    ],
    [
      'a first message: neither key nor conversation, binary body',
      { kind: 'message', accessKey: null, conversationId: null, payload: Uint8Array.of(0, 255) },
    ],
    [
      'an empty body',
      { kind: 'message', accessKey: null, conversationId, payload: new Uint8Array() },
    ],
    [
      'a Welcome for the account’s other devices',
      {
        kind: 'welcome',
        accessKey: null,
        conversationId,
        payload: new Uint8Array(randomBytes(300)),
      },
    ],
  ])('round-trips %s', (_, frame) => {
    expect(decodeFrame(encodeFrame(frame))).toEqual(frame);
  });

  it('is laid out as documented: version, kind, key, conversation, payload', () => {
    const key = new Uint8Array(16).fill(7);
    const bytes = encodeFrame({
      kind: 'message',
      accessKey: key,
      conversationId: 'c1',
      payload: Uint8Array.of(9, 9),
    });
    expect([...bytes]).toEqual([1, 0, 16, ...key, 2, 0x63, 0x31, 9, 9]);
  });

  it.each<[string, number[]]>([
    ['nothing', []],
    ['an unknown version', [2, 0, 0, 0]],
    ['an unknown kind', [1, 5, 0, 0]],
    ['a key of the wrong length', [1, 0, 3, 1, 2, 3, 0]],
    ['a cut key', [1, 0, 16, 1, 2]],
    ['a conversation id longer than the frame', [1, 0, 0, 10, 0x61]],
    ['a conversation id that is not UTF-8', [1, 0, 0, 1, 0xff]],
  ])('refuses %s', (_, bytes) => {
    expect(() => decodeFrame(Uint8Array.from(bytes))).toThrow();
  });

  it('refuses to encode a key that is not 16 bytes', () => {
    expect(() =>
      encodeFrame({
        kind: 'message',
        accessKey: new Uint8Array(8),
        conversationId: null,
        payload: new Uint8Array(),
      }),
    ).toThrow('16 bytes');
  });
});
