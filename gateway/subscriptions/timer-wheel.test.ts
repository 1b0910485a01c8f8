import { afterEach, beforeEach, describe, expect, it, jest } from '@jest/globals';
import { TimerWheel } from './timer-wheel.js';

beforeEach(() => {
  jest.useFakeTimers();
});
afterEach(() => {
  jest.useRealTimers();
});

function wheel(periodMs = 1000) {
  const errors: unknown[] = [];
  return { wheel: new TimerWheel(periodMs, (error) => errors.push(error)), errors };
}

describe('TimerWheel', () => {
  it('calls each callback once a period, the first time a period after it was added', () => {
    const { wheel: timers } = wheel(1000);
    const calls: string[] = [];
    timers.every(() => calls.push('a'));
    jest.advanceTimersByTime(500);
    timers.every(() => calls.push('b'));
    jest.advanceTimersByTime(499);
    expect(calls).toEqual([]);
    jest.advanceTimersByTime(1);
    expect(calls).toEqual(['a']);
    jest.advanceTimersByTime(500);
    expect(calls).toEqual(['a', 'b']);
    jest.advanceTimersByTime(1000);
    expect(calls).toEqual(['a', 'b', 'a', 'b']);
    timers.dispose();
  });

  it('stops a callback, and its timer with the last one', () => {
    const { wheel: timers } = wheel(1000);
    let calls = 0;
    const stop = timers.every(() => calls++);
    const stopOther = timers.every(() => undefined);
    stop();
    stop();
    expect(timers.size).toBe(1);
    jest.advanceTimersByTime(3000);
    expect(calls).toBe(0);
    stopOther();
    expect(timers.size).toBe(0);
    expect(jest.getTimerCount()).toBe(0);
  });

  it('keeps two registrations of one function apart', () => {
    const { wheel: timers } = wheel(100);
    let calls = 0;
    const callback = () => calls++;
    const stopFirst = timers.every(callback);
    timers.every(callback);
    jest.advanceTimersByTime(100);
    expect(calls).toBe(2);
    stopFirst();
    jest.advanceTimersByTime(100);
    expect(calls).toBe(3);
    timers.dispose();
  });

  it('reports a failing callback and goes on with the others', () => {
    const { wheel: timers, errors } = wheel(100);
    let calls = 0;
    timers.every(() => {
      throw new Error('boom');
    });
    timers.every(() => calls++);
    jest.advanceTimersByTime(100);
    expect(calls).toBe(1);
    expect(errors).toEqual([new Error('boom')]);
    timers.dispose();
  });
});
