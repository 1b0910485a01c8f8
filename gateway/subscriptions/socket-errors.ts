import type { WebSocketServer } from 'ws';
import type { Logger } from '../../shared/logging/index.js';

/**
 * ws emits a socket's error only while closing that socket with the fitting code (a frame over
 * `maxPayload`: 1009; a malformed frame: 1002 or 1007). graphql-ws would also print each one with
 * console.error and try to close with 4500, so any client could flood the logs: its listener is
 * replaced by a debug line. Call after `useServer`, so this listener runs after graphql-ws's.
 */
export function quietSocketErrors(server: WebSocketServer, logger: Logger): void {
  server.on('connection', (socket) => {
    socket.removeAllListeners('error');
    socket.on('error', (error) =>
      logger.debug({ err: error }, 'subscription socket closed on a protocol error'),
    );
  });
}
