import { afterEach, describe, expect, it } from '@jest/globals';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { buildSchema } from 'graphql';
import { WebSocket, WebSocketServer } from 'ws';
import { TimerWheel } from './timer-wheel.js';
import { serveGraphqlWs } from './ws-transport.js';

const schema = buildSchema('type Query { ok: Boolean } type Subscription { ticks: Int }');

let cleanup: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const step of cleanup.reverse()) await step();
  cleanup = [];
});

async function start() {
  const httpServer: Server = createServer();
  await new Promise<void>((resolve) => httpServer.listen(0, '127.0.0.1', resolve));
  const webSocketServer = new WebSocketServer({ server: httpServer });
  const keepAlive = new TimerWheel(100, (error) => {
    throw error;
  });
  const socketErrors: Error[] = [];
  let unansweredPings = 0;
  const served = serveGraphqlWs({ schema }, webSocketServer, {
    extra: (socket) => ({ socket }),
    keepAlive,
    onSocketError: (error) => socketErrors.push(error),
    onServerError: (error) => {
      throw error;
    },
    onUnansweredPing: () => unansweredPings++,
  });
  cleanup.push(async () => {
    keepAlive.dispose();
    await served.dispose();
    await new Promise((resolve) => httpServer.close(resolve));
  });
  const url = `ws://127.0.0.1:${(httpServer.address() as AddressInfo).port}`;
  return { url, keepAlive, socketErrors, unansweredPings: () => unansweredPings };
}

function connect(url: string, autoPong: boolean) {
  const socket = new WebSocket(url, 'graphql-transport-ws', { autoPong });
  const closed = new Promise<number>((resolve) => socket.on('close', (code) => resolve(code)));
  const opened = new Promise<void>((resolve) => socket.on('open', () => resolve()));
  return { socket, closed, opened };
}

const pings = (socket: WebSocket, count: number) =>
  new Promise<void>((resolve) => {
    let seen = 0;
    socket.on('ping', () => {
      if (++seen === count) resolve();
    });
  });

describe('serveGraphqlWs', () => {
  it('pings each socket from the wheel, keeps a socket that answers and ends one that does not', async () => {
    const { url, keepAlive, unansweredPings } = await start();
    const answering = connect(url, true);
    const silent = connect(url, false);
    await Promise.all([answering.opened, silent.opened]);
    expect(keepAlive.size).toBe(2);
    // Unanswered, the second ping finds the first unanswered: the socket is terminated.
    expect(await silent.closed).toBe(1006);
    expect(unansweredPings()).toBe(1);
    await pings(answering.socket, 3);
    expect(answering.socket.readyState).toBe(WebSocket.OPEN);
    expect(unansweredPings()).toBe(1);
    answering.socket.close();
    await answering.closed;
    // A closed socket leaves the wheel.
    await new Promise((resolve) => setImmediate(resolve));
    expect(keepAlive.size).toBe(0);
  });

  it('speaks graphql-transport-ws through graphql-ws', async () => {
    const { url } = await start();
    const client = connect(url, true);
    await client.opened;
    const ack = new Promise<string>((resolve) =>
      client.socket.once('message', (data: Buffer) => resolve(data.toString())),
    );
    client.socket.send(JSON.stringify({ type: 'connection_init' }));
    expect(JSON.parse(await ack)).toEqual({ type: 'connection_ack' });
    client.socket.close();
    await client.closed;
  });
});
