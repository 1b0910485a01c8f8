import { describe, expect, it } from '@jest/globals';
import { DurableLog } from './durable-log.js';

const log = (maxMessages: number) => new DurableLog({ maxMessages, duplicateWindowMs: 60_000 });

describe('DurableLog', () => {
  it('finds the next message matching a pattern from any cursor', () => {
    const durable = log(100);
    durable.append('guardyn.push.a', '1', undefined);
    durable.append('guardyn.device.revoked.a', '2', undefined);
    durable.append('guardyn.push.b', '3', undefined);
    expect(durable.next(1, 'guardyn.push.>')?.seq).toBe(1);
    expect(durable.next(2, 'guardyn.push.>')?.seq).toBe(3);
    expect(durable.next(4, 'guardyn.push.>')).toBeUndefined();
    // A pattern first asked for late still sees what was retained before it.
    expect(durable.next(1, 'guardyn.device.revoked.*')?.seq).toBe(2);
    durable.append('guardyn.device.revoked.b', '4', undefined);
    expect(durable.next(3, 'guardyn.device.revoked.*')?.seq).toBe(4);
  });

  it('drops the oldest messages past its bound, from the log and from every index', () => {
    const durable = log(1000);
    for (let i = 1; i <= 5000; i++)
      durable.append(`guardyn.push.${i % 2 ? 'odd' : 'even'}`, `${i}`, undefined);
    expect(durable.next(1, 'guardyn.push.odd')?.seq).toBe(4001);
    expect(durable.next(1, 'guardyn.push.even')?.seq).toBe(4002);
    expect(durable.next(4999, 'guardyn.push.even')?.seq).toBe(5000);
    expect(durable.get(4000)).toBeUndefined();
    expect(durable.get(4001)?.json).toBe('4001');
    expect(durable.get(5000)?.json).toBe('5000');
    expect(durable.get(5001)).toBeUndefined();
  });

  it('stores a repeated msgId once within the window', () => {
    const durable = log(10);
    expect(durable.append('guardyn.push.a', '1', 'm1')).toBe(true);
    expect(durable.append('guardyn.push.a', '1', 'm1')).toBe(false);
    expect(durable.next(2, 'guardyn.push.>')).toBeUndefined();
  });
});
