import { CloseCode, handleProtocols, makeServer, type ServerOptions } from 'graphql-ws';
import type { IncomingMessage } from 'node:http';
import type { WebSocket, WebSocketServer } from 'ws';
import type { Repeater } from './timer-wheel.js';

export interface TransportOptions<E> {
  /**
   * What graphql-ws keeps of a socket as `ctx.extra` for its lifetime: only what the hooks need
   * (the upgrade request, with its headers, is not kept for every idle socket).
   */
  readonly extra: (socket: WebSocket, request: IncomingMessage) => E;
  /** Repeats the keep-alive ping (one timer wheel for every socket); null: no pings. */
  readonly keepAlive: Repeater | null;
  /** A socket's protocol error (ws closes that socket itself with the fitting code). */
  readonly onSocketError: (error: Error) => void;
  /** The server's own error (e.g. the HTTP server failed). */
  readonly onServerError: (error: Error) => void;
  /** A socket ended because it left a ping unanswered until the next one. */
  readonly onUnansweredPing?: () => void;
}

/**
 * graphql-ws over `ws`, as graphql-ws's own `useServer` (graphql-ws/use/ws) does it but for
 * servers that hold 100,000 sockets: each socket is pinged from one timer wheel, where
 * `useServer` keeps an interval per socket and a timeout and a `pong` listener per ping; a frame
 * is queued without a promise and a callback per send (a socket that fails is closed by ws, and
 * its subscriptions end on close); and a socket's protocol error is a log line for the caller
 * rather than console.error and a second close (any client could flood the logs with them).
 * Protocol handling itself is graphql-ws's `makeServer`, unchanged.
 */
export function serveGraphqlWs<
  P extends Record<PropertyKey, unknown>,
  E extends Record<PropertyKey, unknown>,
>(
  options: ServerOptions<P, E>,
  webSocketServer: WebSocketServer,
  transport: TransportOptions<E>,
): { dispose(): Promise<void> } {
  const server = makeServer<P, E>(options);
  webSocketServer.options.handleProtocols = handleProtocols;
  webSocketServer.on('error', transport.onServerError);

  webSocketServer.on('connection', (socket, request) => {
    socket.on('error', transport.onSocketError);
    // A socket that has not answered the last ping by the next one is gone: end it.
    let answered = true;
    const stopPinging = transport.keepAlive?.every(() => {
      if (socket.readyState !== socket.OPEN) return;
      if (!answered) {
        socket.terminate();
        transport.onUnansweredPing?.();
        return;
      }
      answered = false;
      socket.ping();
    });
    if (stopPinging) socket.on('pong', () => (answered = true));

    const closed = server.opened(
      {
        protocol: socket.protocol,
        send: (data) => {
          if (socket.readyState === socket.OPEN) socket.send(data);
        },
        close: (code, reason) => socket.close(code, reason),
        onMessage: (handle) =>
          socket.on('message', (data) => {
            handle(String(data)).catch((error: unknown) => {
              transport.onServerError(error instanceof Error ? error : new Error(String(error)));
              socket.close(CloseCode.InternalServerError, 'Internal server error');
            });
          }),
      },
      transport.extra(socket, request),
    );
    socket.once('close', (code, reason) => {
      stopPinging?.();
      void closed(code, String(reason));
    });
  });

  return {
    async dispose() {
      for (const client of webSocketServer.clients) client.close(1001, 'Going away');
      webSocketServer.removeAllListeners();
      await new Promise<void>((resolve, reject) =>
        webSocketServer.close((error) => (error ? reject(error) : resolve())),
      );
    },
  };
}
