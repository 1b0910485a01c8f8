import { describe, expect, it } from '@jest/globals';
import type { DeviceAddress, MailboxUsage } from './store.js';
import { UsageEstimates } from './usage-estimates.js';

const quota = { maxEnvelopes: 10, maxBytes: 1_000 };
const device = { userId: 'bob', deviceId: 1 };
const adding = (envelopes: number, bytes = envelopes * 10): MailboxUsage[] => [
  { ...device, envelopes, bytes },
];

/** An exact reader over a mailbox the test fills, counting its reads. */
function mailbox() {
  const held = { envelopes: 0, bytes: 0 };
  let reads = 0;
  const readExact = async (devices: readonly DeviceAddress[]) => {
    reads++;
    return devices.map((d) => ({ ...d, ...held }));
  };
  return { held, readExact, reads: () => reads };
}

describe('UsageEstimates', () => {
  it('reads a device once, then adds what this process stored, while it stays under half', async () => {
    const box = mailbox();
    const estimates = new UsageEstimates(5_000, 10, () => 0);
    expect(await estimates.usage(adding(1), quota, box.readExact)).toEqual([
      { ...device, envelopes: 0, bytes: 0 },
    ]);
    estimates.added(adding(1));
    box.held.envelopes = 1;
    box.held.bytes = 10;
    expect(await estimates.usage(adding(1), quota, box.readExact)).toEqual(adding(1));
    expect(box.reads()).toBe(1);
  });

  it('reads exactly once a send would leave the device over half full, so acks are seen', async () => {
    const box = mailbox();
    const estimates = new UsageEstimates(5_000, 10, () => 0);
    await estimates.usage(adding(1), quota, box.readExact);
    estimates.added(adding(4));
    // The four were acked meanwhile: the exact read says empty, and the send of six fits.
    expect(await estimates.usage(adding(6), quota, box.readExact)).toEqual([
      { ...device, envelopes: 0, bytes: 0 },
    ]);
    expect(box.reads()).toBe(2);
  });

  it('lets concurrent sends to a device share one exact read, and reads again once it ended', async () => {
    const held = { envelopes: 3, bytes: 30 };
    let reads = 0;
    let answer: () => void = () => undefined;
    const readExact = async (devices: readonly DeviceAddress[]) => {
      reads++;
      await new Promise<void>((resolve) => (answer = resolve));
      return devices.map((d) => ({ ...d, ...held }));
    };
    // Every send would leave the device over half full: each needs an exact read.
    const estimates = new UsageEstimates(5_000, 10, () => 0);
    const sends = Array.from({ length: 50 }, () => estimates.usage(adding(3), quota, readExact));
    await new Promise((resolve) => setImmediate(resolve));
    expect(reads).toBe(1);
    answer();
    for (const usage of await Promise.all(sends)) expect(usage).toEqual(adding(3));

    const later = estimates.usage(adding(3), quota, readExact);
    await new Promise((resolve) => setImmediate(resolve));
    expect(reads).toBe(2);
    answer();
    await later;
  });

  it('hands a failed shared read to every send that waited for it, and reads afresh after', async () => {
    let reads = 0;
    let fail: (error: Error) => void = () => undefined;
    const readExact = async (devices: readonly DeviceAddress[]) => {
      reads++;
      if (reads === 1) await new Promise<void>((_, reject) => (fail = reject));
      return devices.map((d) => ({ ...d, envelopes: 0, bytes: 0 }));
    };
    const estimates = new UsageEstimates(5_000, 10, () => 0);
    const sends = [1, 2, 3].map(() => estimates.usage(adding(1), quota, readExact));
    await new Promise((resolve) => setImmediate(resolve));
    fail(new Error('no node answered'));
    for (const send of sends) await expect(send).rejects.toThrow('no node answered');
    expect(await estimates.usage(adding(1), quota, readExact)).toEqual([
      { ...device, envelopes: 0, bytes: 0 },
    ]);
    expect(reads).toBe(2);
  });

  it('reads again once the estimate is older than its age', async () => {
    const box = mailbox();
    let now = 0;
    const estimates = new UsageEstimates(5_000, 10, () => now);
    await estimates.usage(adding(1), quota, box.readExact);
    now = 4_999;
    await estimates.usage(adding(1), quota, box.readExact);
    expect(box.reads()).toBe(1);
    now = 5_000;
    await estimates.usage(adding(1), quota, box.readExact);
    expect(box.reads()).toBe(2);
  });

  it('counts bytes as well as envelopes, and keeps at most its bound of devices', async () => {
    const box = mailbox();
    const estimates = new UsageEstimates(5_000, 1, () => 0);
    await estimates.usage(adding(1, 600), quota, box.readExact);
    await estimates.usage(adding(1, 600), quota, box.readExact);
    expect(box.reads()).toBe(2);
    const other = { userId: 'carol', deviceId: 2, envelopes: 1, bytes: 1 };
    await estimates.usage([other], quota, box.readExact);
    await estimates.usage(adding(1, 1), quota, box.readExact);
    expect(box.reads()).toBe(4);
  });
});
