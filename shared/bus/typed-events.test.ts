import { afterEach, describe, expect, it } from '@jest/globals';
import { connectionEvent, deviceRevokedEvent, type ConnectionEvent } from './events.js';
import type { EventBus } from './event-bus.js';
import { createInProcessBus } from './in-process.js';
import { connectionSubject } from './subjects.js';
import { consumeEvent, onEvent, publishDurableEvent, publishEvent } from './typed-events.js';

const opened: ConnectionEvent = {
  userId: 'u1',
  deviceId: 2,
  connectionId: 'k1',
  state: 'open',
  at: '2026-01-01T00:00:00.000Z',
};

/** Resolves with the first `count` values `push` receives. */
function collect<T>(count: number): { push: (value: T) => void; done: Promise<T[]> } {
  const values: T[] = [];
  let resolve: (values: T[]) => void = () => undefined;
  const done = new Promise<T[]>((settle) => (resolve = settle));
  return {
    push(value) {
      values.push(value);
      if (values.length === count) resolve(values);
    },
    done,
  };
}

describe('typed events on the bus', () => {
  let bus: EventBus;
  afterEach(() => bus.close());

  it('delivers parsed payloads on the subject the payload names, skipping malformed ones', async () => {
    bus = createInProcessBus();
    const received = collect<[ConnectionEvent, string]>(1);
    onEvent(bus, connectionEvent, (event, message) => received.push([event, message.subject]));
    await bus.publish(connectionSubject('u1', 2), { ...opened, state: 'ajar' });
    await publishEvent(bus, connectionEvent, opened);
    expect(await received.done).toEqual([[opened, 'guardyn.connection.u1.2']]);
  });

  it('listens to one subject of a kind when asked', async () => {
    bus = createInProcessBus();
    const received = collect<string>(1);
    onEvent(
      bus,
      connectionEvent,
      (event) => received.push(event.userId),
      connectionSubject('u2', 1),
    );
    await publishEvent(bus, connectionEvent, opened);
    await publishEvent(bus, connectionEvent, { ...opened, userId: 'u2', deviceId: 1 });
    expect(await received.done).toEqual(['u2']);
  });

  it('consumes durable events, acknowledging malformed ones without a retry', async () => {
    bus = createInProcessBus();
    const received = collect<number>(2);
    await consumeEvent(bus, deviceRevokedEvent, 'typed-events-test', ({ deviceId }) =>
      received.push(deviceId),
    );
    await publishDurableEvent(
      bus,
      deviceRevokedEvent,
      { userId: 'u1', deviceId: 1 },
      { msgId: 'a' },
    );
    await bus.publishDurable('guardyn.device.revoked.u1', { userId: 'u1' }, { msgId: 'b' });
    await publishDurableEvent(
      bus,
      deviceRevokedEvent,
      { userId: 'u1', deviceId: 3 },
      { msgId: 'c' },
    );
    expect(await received.done).toEqual([1, 3]);
  });
});
