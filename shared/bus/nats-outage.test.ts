/**
 * The NATS bus through an outage of its server: `connection()` (what /health reports as `bus`)
 * says down while the server is gone and up once the client has reconnected. Runs a nats-server
 * of its own (the shared one must never stop); skipped when `nats-server` is not on PATH,
 * failing under CI.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { execFileSync } from 'node:child_process';
import { until } from '../../test/support/eventually.js';
import { startPrivateNats, type PrivateNats } from '../../test/support/private-nats.js';
import type { EventBus } from './event-bus.js';
import { createNatsBus } from './nats.js';

function natsServerMissing(): string | undefined {
  try {
    execFileSync('nats-server', ['--version'], { stdio: 'ignore' });
    return undefined;
  } catch (error) {
    if (process.env['CI']) {
      throw new Error('CI is set, so nats-server is required', { cause: error });
    }
    return `no nats-server on PATH (${String(error)})`;
  }
}

const missing = natsServerMissing();
const describeWithServer = missing === undefined ? describe : describe.skip.bind(describe);

describeWithServer(
  `NATS bus through a server outage${missing ? ` (skipped: ${missing})` : ''}`,
  () => {
    let nats: PrivateNats;
    let bus: EventBus;
    beforeAll(async () => {
      nats = await startPrivateNats();
      bus = await createNatsBus({ url: nats.url, name: 'outage-test' });
    });
    afterAll(async () => {
      await nats.start().catch(() => undefined);
      await bus.close();
      await nats.dispose();
    });

    it('reports down while the server is gone, and up again after it returns', async () => {
      expect(bus.connection()).toEqual({ up: true });

      await nats.stop('SIGKILL');
      const during = await until(
        () => bus.connection(),
        (connection) => !connection.up,
        10_000,
      );
      expect(during.up).toBe(false);
      expect(during.detail).toContain('reconnecting');

      await nats.start();
      const after = await until(
        () => bus.connection(),
        (connection) => connection.up,
        15_000,
      );
      expect(after).toEqual({ up: true });
    });

    it('reports down once closed', async () => {
      const other = await createNatsBus({ url: nats.url, name: 'outage-test-closed' });
      await other.close();
      expect(other.connection()).toEqual({ up: false, detail: 'closed' });
    });
  },
);
