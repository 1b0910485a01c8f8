import { describe, expect, it } from '@jest/globals';
import { Serial } from './serial.js';

describe('Serial', () => {
  it('runs tasks one at a time, in order, past a failure', async () => {
    const serial = new Serial();
    const log: string[] = [];
    const task =
      (name: string, fail = false) =>
      async () => {
        log.push(`start ${name}`);
        await new Promise((resolve) => setImmediate(resolve));
        log.push(`end ${name}`);
        if (fail) throw new Error(name);
        return name;
      };
    const results = await Promise.allSettled([
      serial.run(task('a')),
      serial.run(task('b', true)),
      serial.run(task('c')),
    ]);
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    expect(log).toEqual(['start a', 'end a', 'start b', 'end b', 'start c', 'end c']);
  });
});
