/**
 * Sealed sends (sendSealedMessage, without a token) link nothing to their sender, and presence
 * reads are batched (the attacks of the presence finding, on the embedded supergraph).
 */
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from '@jest/globals';
import { linkDevice, registerAccount } from '../support/accounts.js';
import { expectData, expectErrorCode, postGraphQL } from '../support/graphql-client.js';
import { sendMessageMutation, sendOpaqueMessage } from '../support/messaging-client.js';
import { toBase64 } from '../support/signal-device.js';
import {
  devicesOf,
  sendSealedJunk,
  conversationsOf,
  usePresencePrivacyGuardyn,
} from '../support/presence-privacy.js';

const world = usePresencePrivacyGuardyn();

describe('sealed sends', () => {
  it('leave nothing in the messaging store that links the sender to the envelope', async () => {
    const [bob, carol] = [await registerAccount(world.url), await registerAccount(world.url)];
    const marker = randomBytes(48);
    const { sendSealedMessage } = await sendSealedJunk(bob, carol, marker);
    expect(sendSealedMessage.recipients).toBe(1);

    const db = new Database(path.join(world.storeDir, 'messaging.sqlite'), { readonly: true });
    try {
      const sealed = db.prepare('SELECT * FROM envelopes WHERE content = ?').all(marker) as Record<
        string,
        unknown
      >[];
      expect(sealed).toHaveLength(1);
      const [envelope] = sealed;
      expect(envelope).toMatchObject({
        type: 'SEALED_SENDER',
        recipient_user_id: carol.userId,
        sender_user_id: null,
        sender_device_id: null,
        conversation_id: null,
      });

      // Every row of every table: none that names the envelope (its id, message id or bytes)
      // also names the sender; and the sender is in no conversation and no speaker row.
      const tables = (
        db.prepare(`SELECT name FROM sqlite_master WHERE type = 'table'`).all() as {
          name: string;
        }[]
      ).map((table) => table.name);
      const envelopeMarks = [String(envelope?.['id']), String(envelope?.['message_id'])];
      for (const table of tables) {
        for (const row of db.prepare(`SELECT * FROM "${table}"`).all() as Record<
          string,
          unknown
        >[]) {
          const cells = Object.values(row).map((cell) =>
            Buffer.isBuffer(cell) ? cell.toString('hex') : String(cell),
          );
          const namesEnvelope =
            cells.some((cell) => envelopeMarks.includes(cell)) ||
            cells.includes(marker.toString('hex'));
          if (namesEnvelope) expect(cells).not.toContain(bob.userId);
        }
      }
      expect(
        db.prepare('SELECT * FROM conversation_members WHERE user_id = ?').all(bob.userId),
      ).toEqual([]);
      expect(
        db.prepare('SELECT * FROM conversation_speakers WHERE user_id = ?').all(bob.userId),
      ).toEqual([]);
    } finally {
      db.close();
    }
  });

  it('are refused by sendMessage (a token would name the sender), storing nothing', async () => {
    const [bob, carolAccount] = [
      await registerAccount(world.url),
      await registerAccount(world.url),
    ];
    const carol = { ...carolAccount, ...(await linkDevice(world.url, carolAccount)) };
    const devices = await devicesOf(bob, carol);
    expect(devices).toHaveLength(2);
    for (const mixed of [true, false]) {
      const { code } = await expectErrorCode(
        world.url,
        sendMessageMutation,
        {
          input: {
            recipientId: carol.userId,
            clientMessageId: `sealed-with-token-${mixed}`,
            envelopes: devices.map((device, index) => ({
              ...device,
              type: mixed && index > 0 ? 'SIGNAL_MESSAGE' : 'SEALED_SENDER',
              content: toBase64(randomBytes(16)),
            })),
          },
        },
        bob.accessToken,
      );
      expect(code).toBe('BAD_USER_INPUT');
    }
    expect(await conversationsOf(bob)).toEqual([]);
    const inbox = await postGraphQL<{ inbox: { edges: unknown[] } }>(
      world.url,
      '{ inbox { edges { id } } }',
      {},
      carol.accessToken,
    );
    expect(inbox.data?.inbox.edges).toEqual([]);
  });
});

describe('batching', () => {
  it('resolves the presence of many users with one presence read and one messaging call', async () => {
    const viewer = await registerAccount(world.url);
    const friends = await Promise.all(Array.from({ length: 12 }, () => registerAccount(world.url)));
    for (const friend of friends) await sendOpaqueMessage(world.url, friend, viewer);
    const strangers = await Promise.all(
      Array.from({ length: 3 }, () => registerAccount(world.url)),
    );
    const presence = world.guardyn.subgraphs.presence;
    if (!presence) throw new Error('no presence subgraph');
    const everyone = [...friends, ...strangers, viewer];

    // The request the gateway makes for a list of users: one `_entities` with all of them.
    world.messagingStore.reset();
    world.presenceStore.reset();
    const response = await fetch(presence.url, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        authorization: `Bearer ${viewer.accessToken}`,
      },
      body: JSON.stringify({
        query:
          'query ($r: [_Any!]!) { _entities(representations: $r) { ... on User { id presence { status } } } }',
        variables: { r: everyone.map((user) => ({ __typename: 'User', id: user.userId })) },
      }),
    });
    const body = (await response.json()) as {
      data: { _entities: { id: string; presence: { status: string } | null }[] };
    };
    expect(body.data._entities.map((user) => user.presence?.status ?? null)).toEqual([
      ...friends.map(() => 'OFFLINE'),
      ...strangers.map(() => null),
      'OFFLINE',
    ]);
    // (Only resolvers make these calls; the presence sweep's per-user reads run in the background.)
    expect(world.presenceStore.calls('readPresenceBatch')).toBe(1);
    expect(world.messagingStore.calls('speakersSharingConversationWith')).toBe(1);

    // Through the gateway: every member of every conversation of the viewer, in one query.
    world.messagingStore.reset();
    world.presenceStore.reset();
    const { conversations } = await expectData<{
      conversations: { members: { id: string; presence: { status: string } | null }[] }[];
    }>(
      world.url,
      '{ conversations { members { id presence { status } } } }',
      {},
      viewer.accessToken,
    );
    const seen = conversations.flatMap((conversation) => conversation.members);
    expect(seen.filter((member) => member.presence !== null)).toHaveLength(seen.length);
    expect(world.presenceStore.calls('readPresenceBatch')).toBe(1);
    expect(world.messagingStore.calls('speakersSharingConversationWith')).toBe(1);
  });
});
