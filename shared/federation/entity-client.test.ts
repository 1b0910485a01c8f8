import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, expect, it } from '@jest/globals';
import { formatClientError, isTransientFailure } from '../errors/index.js';
import { freePorts } from '../../test/support/free-ports.js';
import { EntityClient } from './entity-client.js';

const codeOf = (error: unknown) =>
  formatClientError({ message: 'x' }, error, () => undefined).extensions?.['code'];

describe('EntityClient when the subgraph cannot answer', () => {
  it('is SERVICE_UNAVAILABLE to clients when nothing listens', async () => {
    const [port] = await freePorts(1);
    const client = new EntityClient(() => `http://127.0.0.1:${port}/graphql`, 2_000);
    const failure = await client.fetch('User', ['u1'], 'id', undefined).catch((e: unknown) => e);
    expect(isTransientFailure(failure)).toBe(true);
    expect(codeOf(failure)).toBe('SERVICE_UNAVAILABLE');
  });

  it('passes on a subgraph that says it cannot answer now, and hides other failures', async () => {
    let code = 'SERVICE_UNAVAILABLE';
    const server = createServer((_request, response) => {
      response.setHeader('content-type', 'application/json');
      response.end(
        JSON.stringify({ data: null, errors: [{ message: 'no', extensions: { code } }] }),
      );
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const { port } = server.address() as AddressInfo;
      const client = new EntityClient(() => `http://127.0.0.1:${port}/graphql`);
      const lookup = () => client.fetch('User', ['u1'], 'id', undefined).catch((e: unknown) => e);
      expect(codeOf(await lookup())).toBe('SERVICE_UNAVAILABLE');
      code = 'INTERNAL';
      expect(codeOf(await lookup())).toBe('INTERNAL');
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
  });
});
