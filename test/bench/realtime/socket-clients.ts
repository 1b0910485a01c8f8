/**
 * A child process of the realtime benchmark holding many subscribed sockets, so the gateway's
 * process measures its own share alone. Each socket speaks `graphql-transport-ws` by hand (no
 * client library: the clients should cost the machine as little as possible) from a loopback
 * source address of its own range, and counts the `next` messages it receives.
 * Driven over IPC by client-pool.ts.
 */
import WebSocket from 'ws';
import type { ChildReply, ChildRequest } from './client-protocol.js';

interface Counted {
  readonly socket: WebSocket;
  received: number;
  /** Waits for an event saying `typing: true` (a typing stop the server sends by itself is not one). */
  awaiting: boolean;
}

const sockets: Counted[] = [];
let failures = 0;
let lastError = '';
// The sockets still awaiting their `typing: true` event; the parent is told when none is.
let awaited = 0;

const reply = (message: ChildReply) => process.send?.(message);

/** Opens one socket and subscribes; false if it failed (counted unless the caller retries). */
function open(request: Extract<ChildRequest, { type: 'open' }>): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = new WebSocket(request.url, 'graphql-transport-ws', {
      localAddress: request.localAddress,
      perMessageDeflate: false,
    });
    const counted: Counted = { socket, received: 0, awaiting: false };
    let settled = false;
    const settle = (ok: boolean, why = '') => {
      if (settled) return;
      settled = true;
      if (ok) sockets.push(counted);
      else lastError = why;
      resolve(ok);
    };
    socket.on('open', () =>
      socket.send(
        JSON.stringify({
          type: 'connection_init',
          payload: { authorization: `Bearer ${request.token}` },
        }),
      ),
    );
    // A subscription refused under load (e.g. its membership check timed out) is asked again.
    let attempt = 1;
    const subscribe = () =>
      socket.send(
        JSON.stringify({
          id: String(attempt),
          type: 'subscribe',
          payload: { query: request.query, variables: request.variables },
        }),
      );
    socket.on('message', (raw: Buffer) => {
      const message = JSON.parse(raw.toString()) as {
        type: string;
        payload?: { data?: { typing?: { typing?: boolean } } | null };
      };
      switch (message.type) {
        case 'connection_ack':
          subscribe();
          settle(true);
          break;
        case 'next':
          // A result with errors only (a refusal) is followed by `complete`, handled below.
          if (!message.payload?.data) break;
          counted.received++;
          if (counted.awaiting && message.payload?.data?.typing?.typing === true) {
            counted.awaiting = false;
            if (--awaited === 0) reply({ type: 'reached' });
          }
          break;
        case 'ping':
          socket.send('{"type":"pong"}');
          break;
        case 'error':
        case 'complete':
          lastError = JSON.stringify(message.payload ?? message.type);
          if (attempt++ < 10) setTimeout(subscribe, 1000);
          else failures++;
          break;
      }
    });
    socket.on('error', (error) => settle(false, error.message));
    socket.on('close', (code, reason) => settle(false, `closed ${code} ${reason.toString()}`));
  });
}

process.on('message', (request: ChildRequest) => {
  void (async () => {
    switch (request.type) {
      case 'open': {
        // In batches, so connection_init and the membership checks do not all land at once.
        for (let i = 0; i < request.count; i += request.batch) {
          const batch = Math.min(request.batch, request.count - i);
          // A socket refused under load (e.g. its connection_init timed out) tries again.
          await Promise.all(
            Array.from({ length: batch }, async () => {
              for (let attempt = 0; attempt < 5 && !(await open(request)); attempt++);
            }),
          );
        }
        failures += request.count - sockets.length;
        reply({ type: 'opened', open: sockets.length, failures, lastError });
        break;
      }
      case 'least': {
        let least = Infinity;
        for (const each of sockets) least = Math.min(least, each.received);
        reply({ type: 'least', count: sockets.length ? least : 0, failures, lastError });
        break;
      }
      case 'await': {
        for (const each of sockets) each.awaiting = true;
        awaited = sockets.length;
        reply({ type: 'awaiting' });
        if (awaited === 0) reply({ type: 'reached' });
        break;
      }
      case 'close': {
        for (const each of sockets) each.socket.terminate();
        reply({ type: 'closed' });
        process.disconnect();
        break;
      }
    }
  })();
});
