/**
 * Attacks on the subscription bridge's socket, replayed against a running supergraph: frames that
 * should never be parsed or run, silent sockets, and operations that are not subscriptions.
 */
import { describe, expect, it } from '@jest/globals';
import WebSocket from 'ws';
import { registerAccount } from '../support/accounts.js';
import { expectData } from '../support/graphql-client.js';
import { collect, withSubscriptions, wsUrl } from '../support/subscriptions-client.js';
import { useTestGuardyn } from '../support/use-test-guardyn.js';

describe('the subscription socket', () => {
  // A short wait for connection_init, so the test of a silent socket is quick.
  const world = useTestGuardyn({ subscriptionLimits: { connectionInitWaitMs: 300 } });

  function rawSocket(): WebSocket {
    return new WebSocket(wsUrl(world.url), 'graphql-transport-ws');
  }
  const closeCode = (socket: WebSocket) =>
    new Promise<number>((resolve, reject) => {
      socket.on('close', (code) => resolve(code));
      socket.on('error', reject);
    });

  it('closes a socket whose connection_init frame is too large (1009), without reading it', async () => {
    const socket = rawSocket();
    const closed = closeCode(socket);
    // A bad token inside: had the frame been parsed and authenticated, the close would be 4401.
    socket.on('open', () =>
      socket.send(
        JSON.stringify({
          type: 'connection_init',
          payload: { authorization: 'Bearer nope', padding: 'x'.repeat(1024 * 1024) },
        }),
      ),
    );
    expect(await closed).toBe(1009);
  });

  it('closes a socket that sends no connection_init in time (4408)', async () => {
    const socket = rawSocket();
    expect(await closeCode(socket)).toBe(4408);
  });

  it('refuses queries and mutations over the socket (BAD_USER_INPUT), running nothing', async () => {
    const alice = await registerAccount(world.url);
    await withSubscriptions(world.url, alice.accessToken, async (socket) => {
      for (const operation of [
        'query { me { id } }',
        'mutation { logout }',
        'subscription S { messageReceived { id } } query Q { me { id } }',
      ]) {
        const attempt = collect(socket.client, operation);
        await attempt.completed;
        expect(attempt.values).toEqual([]);
        expect(attempt.errors).toEqual([
          expect.objectContaining({
            extensions: expect.objectContaining({ code: 'BAD_USER_INPUT' }),
          }),
        ]);
      }
    });
    // logout did not run: the token still works.
    await expectData(world.url, '{ me { id } }', {}, alice.accessToken);
  });

  it('applies the gateway’s operation limits to subscriptions (BAD_USER_INPUT naming the limit)', async () => {
    const alice = await registerAccount(world.url);
    await withSubscriptions(world.url, alice.accessToken, async (socket) => {
      // 60 aliases of the same field inside the payload: over the alias limit (50).
      const aliases = Array.from({ length: 60 }, (_, i) => `a${i}: id`).join(' ');
      const attempt = collect(socket.client, `subscription { messageReceived { ${aliases} } }`);
      await attempt.completed;
      expect(attempt.values).toEqual([]);
      expect(JSON.stringify(attempt.errors)).toContain('GUARDYN_GATEWAY__MAX_ALIASES');
    });
  });
});
