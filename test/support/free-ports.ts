import { createServer } from 'node:net';

/** `count` ports that are free right now (each found by binding port 0, then released). */
export async function freePorts(count: number): Promise<number[]> {
  const servers = await Promise.all(
    Array.from(
      { length: count },
      () =>
        new Promise<ReturnType<typeof createServer>>((resolve, reject) => {
          const server = createServer();
          server.once('error', reject);
          server.listen(0, '127.0.0.1', () => resolve(server));
        }),
    ),
  );
  const ports = servers.map((server) => (server.address() as { port: number }).port);
  await Promise.all(servers.map((server) => new Promise((resolve) => server.close(resolve))));
  return ports;
}

/** A base port whose `size - 1` neighbours are free too (embedded mode takes base..base+5). */
export async function freePortRange(size: number): Promise<number> {
  for (let attempt = 0; attempt < 20; attempt++) {
    const base = 20_000 + Math.floor(Math.random() * 30_000);
    const free = await Promise.all(
      Array.from({ length: size }, (_, offset) => {
        const server = createServer();
        return new Promise<boolean>((resolve) => {
          server.once('error', () => resolve(false));
          server.listen(base + offset, '127.0.0.1', () => server.close(() => resolve(true)));
        });
      }),
    );
    if (free.every(Boolean)) return base;
  }
  throw new Error('no free port range');
}
