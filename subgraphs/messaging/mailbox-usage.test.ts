import { describe, expect, it } from '@jest/globals';
import { devicesOverQuota, incomingUsage, mailboxFull } from './mailbox-usage.js';

const to = (recipientUserId: string, recipientDeviceId: number, bytes: number) => ({
  recipientUserId,
  recipientDeviceId,
  content: new Uint8Array(bytes),
});
const quota = { maxEnvelopes: 3, maxBytes: 100 };

describe('incomingUsage', () => {
  it('adds up envelopes and bytes per device, in first-seen order', () => {
    expect(incomingUsage([to('b', 2, 5), to('a', 1, 10), to('b', 2, 1)])).toEqual([
      { userId: 'b', deviceId: 2, envelopes: 2, bytes: 6 },
      { userId: 'a', deviceId: 1, envelopes: 1, bytes: 10 },
    ]);
  });
});

describe('devicesOverQuota', () => {
  const usage = [
    { userId: 'a', deviceId: 1, envelopes: 2, bytes: 10 },
    { userId: 'a', deviceId: 2, envelopes: 0, bytes: 95 },
  ];

  it('allows a mailbox to fill up to the quota exactly', () => {
    expect(devicesOverQuota(usage, [to('a', 1, 90), to('a', 2, 5)], quota)).toEqual([]);
  });

  it('names each device that the envelopes would put over either limit', () => {
    expect(
      devicesOverQuota(usage, [to('a', 1, 1), to('a', 1, 1), to('a', 2, 6), to('c', 1, 1)], quota),
    ).toEqual([
      { userId: 'a', deviceId: 1 },
      { userId: 'a', deviceId: 2 },
    ]);
    expect(devicesOverQuota([], [to('new', 1, 101)], quota)).toEqual([
      { userId: 'new', deviceId: 1 },
    ]);
  });

  it('leaves out the exempt users', () => {
    expect(devicesOverQuota(usage, [to('a', 2, 6)], quota, ['a'])).toEqual([]);
  });
});

describe('mailboxFull', () => {
  it('refuses with the full devices, or answers null when every device has room', () => {
    expect(mailboxFull([], [to('a', 1, 101)], quota)).toEqual({
      kind: 'mailbox-full',
      full: [{ userId: 'a', deviceId: 1 }],
    });
    expect(mailboxFull([], [to('a', 1, 101)], quota, ['a'])).toBeNull();
  });
});
