import { createServer, type Server, type RequestListener } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface ListeningServer {
  readonly server: Server;
  readonly port: number;
  /** Base URL clients use, e.g. http://127.0.0.1:4001 */
  readonly origin: string;
}

/** Starts an HTTP server; port 0 picks a free port (tests). */
export async function listen(
  handler: RequestListener,
  host: string,
  port: number,
): Promise<ListeningServer> {
  const server = createServer(handler);
  // Keep-alive connections from the gateway outlive a single request; allow them to idle a while.
  server.keepAliveTimeout = 65_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address() as AddressInfo;
  const urlHost = host.includes(':') ? `[${host}]` : host === '0.0.0.0' ? '127.0.0.1' : host;
  return { server, port: address.port, origin: `http://${urlHost}:${address.port}` };
}

/** Stops accepting, lets in-flight requests finish, then closes idle keep-alive sockets. */
export async function closeServer(server: Server, graceMs = 10_000): Promise<void> {
  const closed = new Promise<void>((resolve) => server.close(() => resolve()));
  server.closeIdleConnections();
  const timer = setTimeout(() => server.closeAllConnections(), graceMs);
  timer.unref();
  await closed;
  clearTimeout(timer);
}
