import { describe, expect, it } from '@jest/globals';
import { createInProcessBus } from '../bus/index.js';
import { buildHealthReport, busCheck, servingCheck } from './health.js';

describe('buildHealthReport', () => {
  it('is ok with nothing to wait for when every check is ok', async () => {
    const bus = createInProcessBus();
    try {
      const report = await buildHealthReport('messaging', async () => ({
        ...servingCheck(true),
        ...busCheck(bus),
        store: { status: 'ok' },
      }));
      expect(report).toEqual({
        status: 'ok',
        service: 'messaging',
        waitingFor: [],
        ready: true,
        checks: { graphql: { status: 'ok' }, bus: { status: 'ok' }, store: { status: 'ok' } },
      });
    } finally {
      await bus.close();
    }
  });

  it('is degraded and names what it waits for, in the order of the checks', async () => {
    const bus = createInProcessBus();
    await bus.close();
    const report = await buildHealthReport('auth', async () => ({
      ...servingCheck(false),
      store: { status: 'down', detail: 'auth: CQL nodes 127.0.0.1:1 not ready' },
      ...busCheck(bus),
    }));
    expect(report.status).toBe('degraded');
    expect(report.waitingFor).toEqual(['graphql', 'store', 'bus']);
    expect(report.checks['graphql']).toEqual({ status: 'down', detail: 'starting' });
    expect(report.ready).toBe(false);
    expect(report.checks['bus']).toEqual({ status: 'down', detail: 'closed', advisory: true });
  });

  it('stays ready while only the bus is down: sends keep their wake-ups, sockets poll', async () => {
    const bus = createInProcessBus();
    await bus.close();
    const report = await buildHealthReport('messaging', async () => ({
      ...servingCheck(true),
      store: { status: 'ok' },
      ...busCheck(bus),
    }));
    expect(report).toMatchObject({ status: 'degraded', waitingFor: ['bus'], ready: true });
  });

  it('has no checks and waits for nothing without a check', async () => {
    expect(await buildHealthReport('x', undefined)).toEqual({
      status: 'ok',
      service: 'x',
      waitingFor: [],
      ready: true,
      checks: {},
    });
  });
});
