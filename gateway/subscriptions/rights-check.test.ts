import { afterEach, describe, expect, it } from '@jest/globals';
import { RightsCheck } from './rights-check.js';
import { TimerWheel } from './timer-wheel.js';

/** A check whose answers the test gives one by one. */
function answers() {
  const pending: { resolve: (allowed: boolean) => void; reject: (error: Error) => void }[] = [];
  const check = () => new Promise<boolean>((resolve, reject) => pending.push({ resolve, reject }));
  const next = () => {
    const answer = pending.shift();
    if (!answer) throw new Error('no check is pending');
    return answer;
  };
  return { check, next, count: () => pending.length };
}

const hour = 3_600_000;
const checks: RightsCheck[] = [];
const rechecks = new TimerWheel(hour, (error) => {
  throw error;
});
afterEach(() => checks.splice(0).forEach((rights) => rights.stop()));

function rightsCheck(check: () => Promise<boolean>) {
  const revoked: string[] = [];
  const errors: unknown[] = [];
  const rights = new RightsCheck(
    check,
    rechecks,
    () => revoked.push('revoked'),
    (error) => errors.push(error),
  );
  checks.push(rights);
  return { rights, revoked, errors };
}

describe('RightsCheck', () => {
  it('holds deliveries until the check in flight answers, and revokes once on "no"', async () => {
    const source = answers();
    const { rights, revoked } = rightsCheck(source.check);
    source.next().resolve(true);
    expect(await rights.allowed()).toBe(true);

    rights.recheck();
    const waiting = rights.allowed();
    rights.recheck();
    source.next().resolve(true);
    source.next().resolve(false);
    expect(await waiting).toBe(false);
    expect(await rights.allowed()).toBe(false);
    expect(revoked).toEqual(['revoked']);
    rights.recheck();
    expect(source.count()).toBe(0);
  });

  it('keeps the last answer when a re-check fails, and reports the failure', async () => {
    const source = answers();
    const { rights, errors } = rightsCheck(source.check);
    source.next().resolve(true);
    rights.recheck();
    source.next().reject(new Error('messaging unreachable'));
    expect(await rights.allowed()).toBe(true);
    expect(errors).toHaveLength(1);
  });

  it('rejects allowed() when the first check fails', async () => {
    const source = answers();
    const { rights } = rightsCheck(source.check);
    source.next().reject(new Error('down'));
    await expect(rights.allowed()).rejects.toThrow('down');
  });

  it('checks nothing more once stopped', async () => {
    const source = answers();
    const { rights } = rightsCheck(source.check);
    source.next().resolve(true);
    expect(rechecks.size).toBe(1);
    rights.stop();
    rights.recheck();
    expect(source.count()).toBe(0);
    // Its place on the shared timer is given up.
    expect(rechecks.size).toBe(0);
  });

  it('answers allowedNow() as allowed() would, and undefined while a check is in flight', async () => {
    const source = answers();
    const { rights } = rightsCheck(source.check);
    expect(rights.allowedNow()).toBeUndefined();
    source.next().resolve(true);
    expect(await rights.allowed()).toBe(true);
    expect(rights.allowedNow()).toBe(true);
    rights.recheck();
    expect(rights.allowedNow()).toBeUndefined();
    source.next().reject(new Error('messaging down'));
    expect(await rights.allowed()).toBe(true);
    expect(rights.allowedNow()).toBe(true);
    rights.recheck();
    source.next().resolve(false);
    expect(await rights.allowed()).toBe(false);
    expect(rights.allowedNow()).toBe(false);
  });

  it('gives up its place on the shared timer when a check says no', async () => {
    const source = answers();
    const { rights } = rightsCheck(source.check);
    source.next().resolve(false);
    expect(await rights.allowed()).toBe(false);
    expect(rechecks.size).toBe(0);
  });
});
