import { expect } from '@jest/globals';
import { expectData } from '../../support/graphql-client.js';
import { collect, withSubscriptions } from '../../support/subscriptions-client.js';
import { type World } from '../world.js';
import { text } from './expectations.js';

/** Subscriptions run over graphql-ws at the gateway; what Mallory may follow of the victim. */
export const subscriptionCases: Record<
  string,
  { document: string; promise: string; run: (world: World) => Promise<void> }
> = {
  'Subscription.messageReceived': {
    document: 'subscription { messageReceived { id } }',
    promise: 'her own mailbox only',
    run: async (w) => {
      await withSubscriptions(w.url, w.mallory.accessToken, async (socket) => {
        const stream = collect<{ messageReceived: { id: string } }>(
          socket.client,
          'subscription { messageReceived { id } }',
        );
        const { sendOpaqueMessage } = await import('../../support/messaging-client.js');
        await sendOpaqueMessage(w.url, w.friend, w.victim, { content: 'not for mallory' });
        await sendOpaqueMessage(w.url, w.friend, w.mallory, { content: 'for mallory' });
        await stream.waitFor(1);
        const { inbox } = await expectData<{ inbox: { edges: { id: string }[] } }>(
          w.url,
          '{ inbox { edges { id } } }',
          {},
          w.mallory.accessToken,
        );
        const own = new Set(inbox.edges.map((edge) => edge.id));
        for (const value of stream.values) expect(own.has(value.messageReceived.id)).toBe(true);
        stream.stop();
      });
    },
  },
  'Subscription.presenceChanged': {
    document: 'subscription { presenceChanged(userIds: []) { id } }',
    promise: 'silently filtered: nothing of a user she shares no conversation with',
    run: async (w) => {
      await withSubscriptions(w.url, w.mallory.accessToken, async (socket) => {
        const stream = collect<{ presenceChanged: { id: string } }>(
          socket.client,
          'subscription ($ids: [ID!]!) { presenceChanged(userIds: $ids) { id } }',
          { ids: [w.victim.userId, w.mallory.userId] },
        );
        await socket.connected;
        // The victim's change first, then Mallory's own: hers arrives, the victim's never.
        await expectData(
          w.url,
          'mutation { setPresence(status: AWAY) { status } }',
          {},
          w.victim.accessToken,
        );
        await expectData(
          w.url,
          'mutation { setPresence(status: ONLINE) { status } }',
          {},
          w.mallory.accessToken,
        );
        await stream.waitFor(1);
        expect(stream.values.map((value) => value.presenceChanged.id)).toEqual([w.mallory.userId]);
        stream.stop();
      });
    },
  },
  'Subscription.typing': {
    document: 'subscription { typing(conversationId: "x") { typing } }',
    promise: 'refused with FORBIDDEN',
    run: async (w) => {
      await withSubscriptions(w.url, w.mallory.accessToken, async (socket) => {
        const stream = collect(
          socket.client,
          'subscription ($id: ID!) { typing(conversationId: $id) { typing } }',
          {
            id: w.victimGroupId,
          },
        );
        await stream.completed;
        expect(text(stream.errors)).toContain('FORBIDDEN');
        expect(stream.values).toEqual([]);
      });
    },
  },
};
