import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import { GuardynError, RateLimitedError } from '../../shared/errors/index.js';
import { MailboxFullError, SendLimits, sendByteUnit } from './send-limits.js';
import { SqliteMessagingStore } from './store.sqlite/index.js';
import type { EnvelopeRecord } from './store.js';
import { envelope } from './store.contract.fixtures.js';

/** An envelope of `bytes` content bytes for the device. */
function to(userId: string, deviceId: number, bytes = 10): EnvelopeRecord {
  return envelope(userId, deviceId, { senderUserId: 'sender', content: new Uint8Array(bytes) });
}

function detailsOf(action: () => unknown): unknown {
  try {
    action();
  } catch (error) {
    return error instanceof GuardynError ? error.details : error;
  }
  return 'no error';
}

describe('SendLimits', () => {
  let store: SqliteMessagingStore;
  let clock: number;
  let limits: SendLimits;
  beforeEach(() => {
    store = new SqliteMessagingStore(':memory:');
    clock = 1_000_000;
    limits = new SendLimits(
      store,
      {
        sendsPerMinute: 2,
        sendBytesPerMinute: 4 * sendByteUnit,
        mailboxQuota: { maxEnvelopes: 2, maxBytes: 1000 },
      },
      () => clock,
    );
  });
  afterEach(() => store.close());

  it('counts sends per user in a sliding minute', () => {
    limits.takeSend('a');
    limits.takeSend('a');
    limits.takeSend('b');
    expect(() => limits.takeSend('a')).toThrow(RateLimitedError);
    clock += 30_000;
    expect(detailsOf(() => limits.takeSend('a'))).toEqual({ retryAfterSeconds: 30 });
    clock += 30_000;
    limits.takeSend('a');
  });

  it('counts bytes in 64 KiB units, lets the last send through whole, then refuses', () => {
    limits.takeBytes('a', 1); // one unit
    limits.takeBytes('a', 2 * sendByteUnit + 1); // three: at the limit
    expect(() => limits.takeBytes('a', 1)).toThrow(RateLimitedError);
    limits.takeBytes('b', 3 * sendByteUnit);
    limits.takeBytes('b', 4 * sendByteUnit); // under the limit when it starts: 7 units now
    clock += 60_001;
    limits.takeBytes('b', 1);
  });

  it('refuses a send bigger than a whole minute’s allowance PAYLOAD_TOO_LARGE', () => {
    expect(detailsOf(() => limits.takeBytes('a', 4 * sendByteUnit + 1))).toEqual({
      limitBytes: 4 * sendByteUnit,
    });
    limits.takeBytes('a', 4 * sendByteUnit);
  });

  it('names the devices a send would put over the quota', async () => {
    await store.storeEnvelopes([to('u', 1), to('u', 1), to('u', 2, 995)]);
    const refusal = await limits
      .refuseFullMailboxes([to('u', 1), to('u', 2), to('u', 3)])
      .catch((error: unknown) => error);
    expect(refusal).toBeInstanceOf(MailboxFullError);
    expect((refusal as MailboxFullError).details).toEqual({
      quota: 'MAILBOX',
      maxEnvelopes: 2,
      maxBytes: 1000,
      fullDevices: [
        { userId: 'u', deviceId: 1 },
        { userId: 'u', deviceId: 2 },
      ],
    });
    await limits.refuseFullMailboxes([to('u', 2, 5), to('u', 3)]);
  });

  it('drops the envelopes of full devices for group messages, and refuses when all are full', async () => {
    await store.storeEnvelopes([to('u', 1), to('u', 1)]);
    const roomy = to('v', 1);
    expect(await limits.withoutFullMailboxes([to('u', 1), roomy])).toEqual([roomy]);
    await expect(limits.withoutFullMailboxes([to('u', 1)])).rejects.toBeInstanceOf(
      MailboxFullError,
    );
    expect(await limits.withoutFullMailboxes([])).toEqual([]);
  });
});
