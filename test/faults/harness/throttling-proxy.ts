import { createServer, connect, type Server, type Socket } from 'node:net';

/**
 * How the proxy passes the server's bytes to the client: all of them, `slow` (a trickle, as a
 * phone on a bad network reads), or `frozen` (none, in either direction: a client gone without
 * closing, whose TCP connection the server still holds).
 */
export type ProxyMode = 'open' | 'slow' | 'frozen';

export interface ThrottlingProxy {
  /** `http://127.0.0.1:<port>/graphql`: the gateway's endpoint through the proxy. */
  readonly url: string;
  setMode(mode: ProxyMode): void;
  close(): Promise<void>;
}

/** A TCP proxy in front of the gateway at `upstreamPort`; `slow` passes `bytesPerSecond`. */
export async function startThrottlingProxy(
  upstreamPort: number,
  bytesPerSecond = 16 * 1024,
): Promise<ThrottlingProxy> {
  let mode: ProxyMode = 'open';
  const pairs = new Set<[Socket, Socket]>();
  const server: Server = createServer((client) => {
    const upstream = connect(upstreamPort, '127.0.0.1');
    const pair: [Socket, Socket] = [client, upstream];
    pairs.add(pair);
    const end = () => {
      pairs.delete(pair);
      client.destroy();
      upstream.destroy();
    };
    client.on('error', end).on('close', end);
    upstream.on('error', end).on('close', end);
    client.on('data', (chunk) => {
      if (mode !== 'frozen') upstream.write(chunk);
    });
    upstream.on('data', (chunk) => {
      if (mode === 'open') return void client.write(chunk);
      // Slow or frozen: stop reading, so the server's send buffer fills as it would.
      upstream.pause();
      if (mode === 'frozen') return;
      client.write(chunk);
      setTimeout(() => upstream.resume(), (chunk.length / bytesPerSecond) * 1000);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  return {
    url: `http://127.0.0.1:${port}/graphql`,
    setMode(next) {
      mode = next;
      if (next !== 'frozen') for (const [, upstream] of pairs) upstream.resume();
    },
    async close() {
      for (const [client, upstream] of pairs) {
        client.destroy();
        upstream.destroy();
      }
      await new Promise((resolve) => server.close(resolve));
    },
  };
}
