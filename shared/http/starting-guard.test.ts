import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import express from 'express';
import WebSocket from 'ws';
import { closeServer, listen, type ListeningServer } from './listen.js';
import { refuseUntilServing } from './starting-guard.js';

/** A server mounted as the gateway and the subgraphs mount theirs: the guard first. */
describe('refuseUntilServing', () => {
  let serving = false;
  let server: ListeningServer;
  beforeAll(async () => {
    const app = express();
    app.use(
      '/graphql',
      refuseUntilServing('gateway', () => serving),
    );
    app.post('/graphql', (_request, response) => {
      response.json({ data: { __typename: 'Query' } });
    });
    server = await listen(app, '127.0.0.1', 0);
  });
  afterAll(async () => {
    await closeServer(server.server);
  });

  const post = () =>
    fetch(`${server.origin}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ query: '{ __typename }' }),
    });

  /** The HTTP status the server answered a graphql-ws handshake with (101: accepted). */
  const upgradeStatus = () =>
    new Promise<{ status: number; body: string }>((resolve, reject) => {
      const socket = new WebSocket(`${server.origin.replace('http', 'ws')}/graphql`, [
        'graphql-transport-ws',
      ]);
      socket.on('unexpected-response', (_request, response) => {
        let body = '';
        response.on('data', (chunk: Buffer) => (body += chunk.toString()));
        response.on('end', () => resolve({ status: response.statusCode ?? 0, body }));
      });
      socket.on('open', () => {
        socket.close();
        resolve({ status: 101, body: '' });
      });
      socket.on('error', (error) => {
        if (!String(error.message).includes('Unexpected server response')) reject(error);
      });
    });

  it('answers 503 with a SERVICE_UNAVAILABLE GraphQL error while starting, HTTP and sockets alike', async () => {
    const response = await post();
    expect(response.status).toBe(503);
    expect(response.headers.get('retry-after')).toBe('1');
    expect(response.headers.get('content-type')).toContain('application/json');
    expect(await response.json()).toEqual({
      errors: [
        {
          message: 'gateway is starting; retry shortly',
          extensions: { code: 'SERVICE_UNAVAILABLE' },
        },
      ],
    });

    const refused = await upgradeStatus();
    expect(refused.status).toBe(503);
    expect(JSON.parse(refused.body)).toMatchObject({
      errors: [{ extensions: { code: 'SERVICE_UNAVAILABLE' } }],
    });
  });

  it('hands every request on once serving', async () => {
    serving = true;
    const response = await post();
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ data: { __typename: 'Query' } });
  });
});
