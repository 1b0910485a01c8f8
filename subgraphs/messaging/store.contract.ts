import { randomBytes, randomUUID } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import { uuid7 } from '../../shared/ids/index.js';
import {
  GroupExistsError,
  type EnvelopeRecord,
  type MessagingStore,
  type SentMessageRecord,
} from './store.js';

const hour = 3600_000;

function envelope(
  userId: string,
  deviceId: number,
  overrides: Partial<EnvelopeRecord> = {},
): EnvelopeRecord {
  const now = new Date();
  return {
    id: uuid7(),
    messageId: uuid7(),
    recipientUserId: userId,
    recipientDeviceId: deviceId,
    type: 'SIGNAL_MESSAGE',
    senderUserId: randomUUID(),
    senderDeviceId: 1,
    conversationId: null,
    content: new Uint8Array(randomBytes(40)),
    serverTimestamp: now,
    expiresAt: new Date(now.getTime() + hour),
    receiptRequested: false,
    ...overrides,
  };
}

function sent(clientMessageId = randomUUID(), senderUserId = randomUUID()): SentMessageRecord {
  return {
    senderUserId,
    senderDeviceId: 1,
    clientMessageId,
    messageId: uuid7(),
    serverTimestamp: new Date(),
    recipients: 1,
  };
}

/** The MessagingStore contract: every adapter must pass it, races included. */
export function describeMessagingStoreContract(
  adapter: string,
  openStore: () => Promise<MessagingStore>,
): void {
  describe(`MessagingStore contract: ${adapter}`, () => {
    let store: MessagingStore;
    beforeEach(async () => {
      store = await openStore();
    });
    afterEach(() => store.close());

    it('stores a send once per (device, clientMessageId), also under concurrent retries', async () => {
      const user = randomUUID();
      const record = sent();
      const outcomes = await Promise.all(
        Array.from({ length: 5 }, () =>
          store.storeMessage({ ...record, messageId: uuid7() }, [envelope(user, 1)]),
        ),
      );
      expect(outcomes.filter((outcome) => outcome.kind === 'stored')).toHaveLength(1);
      const messageIds = new Set(
        outcomes.map((outcome) => (outcome.kind === 'stale-epoch' ? '' : outcome.sent.messageId)),
      );
      expect(messageIds.size).toBe(1);
      expect((await store.readMailbox(user, 1, null, 10, new Date())).envelopes).toHaveLength(1);
      expect(
        await store.findSentMessage(record.senderUserId, 1, record.clientMessageId),
      ).toMatchObject({ clientMessageId: record.clientMessageId });
    });

    it('pages a mailbox in server order with a cursor, skipping expired envelopes', async () => {
      const user = randomUUID();
      const stored = Array.from({ length: 5 }, () => envelope(user, 2));
      const expired = envelope(user, 2, { expiresAt: new Date(Date.now() - 1) });
      await store.storeEnvelopes([...stored.slice(0, 3), expired, ...stored.slice(3)]);
      await store.storeEnvelopes([envelope(user, 3)]);
      const first = await store.readMailbox(user, 2, null, 2, new Date());
      expect(first.envelopes.map((e) => e.id)).toEqual(stored.slice(0, 2).map((e) => e.id));
      expect(first.hasMore).toBe(true);
      const rest = await store.readMailbox(user, 2, first.cursor, 10, new Date());
      expect(rest.envelopes.map((e) => e.id)).toEqual(stored.slice(2).map((e) => e.id));
      expect(rest.hasMore).toBe(false);
      const empty = await store.readMailbox(user, 2, rest.cursor, 10, new Date());
      expect(empty).toEqual({ envelopes: [], cursor: rest.cursor, hasMore: false });
      expect(rest.envelopes[0]?.content).toEqual(stored[2]?.content);
    });

    it('deletes only the device’s own envelopes, and expired ones on sweep', async () => {
      const user = randomUUID();
      const mine = envelope(user, 1);
      const other = envelope(user, 2);
      const old = envelope(user, 1, { expiresAt: new Date(Date.now() - 1) });
      await store.storeEnvelopes([mine, other, old]);
      expect(
        (await store.deleteEnvelopes(user, 1, [mine.id, other.id, 'nope'])).map((e) => e.id),
      ).toEqual([mine.id]);
      expect(await store.findEnvelope(user, 2, other.id, new Date())).toMatchObject({
        id: other.id,
      });
      expect(await store.deleteExpired(new Date(), new Date(0))).toBe(1);
      expect(await store.deleteMailbox(user, 2)).toBe(1);
    });

    it('creates one direct conversation per pair, also when both create it at once', async () => {
      const [a, b] = [randomUUID(), randomUUID()];
      const created = await Promise.all([
        store.ensureDirectConversation([a, b], randomUUID(), new Date()),
        store.ensureDirectConversation([b, a], randomUUID(), new Date()),
      ]);
      expect(created[0].id).toBe(created[1].id);
      expect([...created[0].memberIds].sort()).toEqual([a, b].sort());
      expect((await store.listConversations(a)).map((c) => c.id)).toEqual([created[0].id]);
    });

    it('marks a speaker with a stored send only, and names speakers who share a conversation now', async () => {
      const [a, b, stranger] = [randomUUID(), randomUUID(), randomUUID()];
      const direct = await store.ensureDirectConversation([a, b], randomUUID(), new Date());
      expect(await store.speakersSharingConversationWith(b, [a])).toEqual(new Set());

      const first = sent(randomUUID(), a);
      const speaker = { conversationId: direct.id, userId: a };
      await store.storeMessage(first, [envelope(b, 1)], { speaker });
      expect(await store.speakersSharingConversationWith(b, [a, stranger])).toEqual(new Set([a]));
      // One-sided: A spoke, B did not; and no one outside the conversation learns of it.
      expect(await store.speakersSharingConversationWith(a, [b])).toEqual(new Set());
      expect(await store.speakersSharingConversationWith(stranger, [a])).toEqual(new Set());

      // A duplicate of someone else's send marks nothing.
      await store.storeMessage({ ...first, messageId: uuid7() }, [envelope(a, 1)], {
        speaker: { conversationId: direct.id, userId: b },
      });
      expect(await store.speakersSharingConversationWith(a, [b])).toEqual(new Set());
      expect(await store.speakersSharingConversationWith(b, [])).toEqual(new Set());
    });

    it('marks committers and group senders, and forgets them for members who left', async () => {
      const [owner, joiner, quiet] = [randomUUID(), randomUUID(), randomUUID()];
      const group = await store.createGroup({
        id: randomUUID(),
        kind: 'GROUP',
        mlsGroupId: new Uint8Array(randomBytes(16)),
        epoch: 0,
        createdAt: new Date(),
        memberIds: [owner],
      });
      const committed = await store.commitGroup({
        conversationId: group.id,
        expectedEpoch: 0,
        addedUserIds: [joiner, quiet],
        removedUserIds: [],
        committerUserId: owner,
        envelopes: [envelope(joiner, 1)],
      });
      expect(committed.kind).toBe('committed');
      // A stale commit marks nothing.
      await store.commitGroup({
        conversationId: group.id,
        expectedEpoch: 0,
        addedUserIds: [],
        removedUserIds: [],
        committerUserId: quiet,
        envelopes: [],
      });
      await store.storeMessage(sent(randomUUID(), joiner), [envelope(owner, 1)], {
        condition: { conversationId: group.id, epoch: 1 },
        speaker: { conversationId: group.id, userId: joiner },
      });
      expect(await store.speakersSharingConversationWith(quiet, [owner, joiner, quiet])).toEqual(
        new Set([owner, joiner]),
      );
      expect(await store.speakersSharingConversationWith(owner, [joiner, quiet])).toEqual(
        new Set([joiner]),
      );

      // Whoever left no longer sees, nor is seen through, the group.
      await store.removeMember(group.id, joiner);
      expect(await store.speakersSharingConversationWith(owner, [joiner])).toEqual(new Set());
      expect(await store.speakersSharingConversationWith(joiner, [owner])).toEqual(new Set());
      expect(await store.speakersSharingConversationWith(quiet, [owner])).toEqual(new Set([owner]));
    });

    it('registers MLS group ids once and advances an epoch for exactly one of racing commits', async () => {
      const owner = randomUUID();
      const groupId = new Uint8Array(randomBytes(16));
      const group = await store.createGroup({
        id: randomUUID(),
        kind: 'GROUP',
        mlsGroupId: groupId,
        epoch: 0,
        createdAt: new Date(),
        memberIds: [owner],
      });
      await expect(
        store.createGroup({
          id: randomUUID(),
          kind: 'GROUP',
          mlsGroupId: groupId,
          epoch: 0,
          createdAt: new Date(),
          memberIds: [owner],
        }),
      ).rejects.toBeInstanceOf(GroupExistsError);

      const joiners = Array.from({ length: 6 }, () => randomUUID());
      const outcomes = await Promise.all(
        joiners.map((joiner) =>
          store.commitGroup({
            conversationId: group.id,
            expectedEpoch: 0,
            addedUserIds: [joiner],
            removedUserIds: [],
            committerUserId: owner,
            envelopes: [envelope(joiner, 1)],
          }),
        ),
      );
      const winners = outcomes.filter((outcome) => outcome.kind === 'committed');
      expect(winners).toHaveLength(1);
      expect(outcomes.filter((outcome) => outcome.kind === 'stale-epoch')).toEqual(
        Array(5).fill({ kind: 'stale-epoch', currentEpoch: 1 }),
      );
      const after = await store.findConversation(group.id);
      expect(after?.epoch).toBe(1);
      expect(after?.memberIds).toHaveLength(2);
      // Only the winner's envelope was stored.
      const delivered = await Promise.all(
        joiners.map((joiner) => store.readMailbox(joiner, 1, null, 10, new Date())),
      );
      expect(delivered.filter((page) => page.envelopes.length > 0)).toHaveLength(1);
    });

    it('stores a group message only while the epoch is current', async () => {
      const owner = randomUUID();
      const group = await store.createGroup({
        id: randomUUID(),
        kind: 'GROUP',
        mlsGroupId: new Uint8Array(randomBytes(8)),
        epoch: 0,
        createdAt: new Date(),
        memberIds: [owner],
      });
      expect(
        (
          await store.storeMessage(sent(), [envelope(owner, 1)], {
            condition: { conversationId: group.id, epoch: 1 },
          })
        ).kind,
      ).toBe('stale-epoch');
      expect(
        (
          await store.storeMessage(sent(), [envelope(owner, 1)], {
            condition: { conversationId: group.id, epoch: 0 },
          })
        ).kind,
      ).toBe('stored');
      expect(await store.removeMember(group.id, owner)).toBe(true);
      expect(await store.removeMember(group.id, owner)).toBe(false);
    });
  });
}
