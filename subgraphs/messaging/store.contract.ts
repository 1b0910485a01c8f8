import { randomBytes, randomUUID } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import { uuid7 } from '../../shared/ids/index.js';
import {
  GroupExistsError,
  type ConversationRecord,
  type EnvelopeRecord,
  type MessagingStore,
  type SentMessageRecord,
} from './store.js';

const hour = 3600_000;

/** A pending envelope for the device (a SIGNAL_MESSAGE due in an hour, unless overridden). */
export function envelope(
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

/** A new MLS group of these members at epoch 0, to pass to createGroup. */
export function newGroup(
  memberIds: readonly string[],
  overrides: Partial<ConversationRecord> = {},
): ConversationRecord {
  return {
    id: randomUUID(),
    kind: 'GROUP',
    mlsGroupId: new Uint8Array(randomBytes(16)),
    epoch: 0,
    createdAt: new Date(),
    memberIds,
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

    it('finds many envelopes of one device with one call: its own, unexpired ones only', async () => {
      const user = randomUUID();
      const mine = [envelope(user, 1), envelope(user, 1), envelope(user, 1)];
      const otherDevice = envelope(user, 2);
      const expired = envelope(user, 1, { expiresAt: new Date(Date.now() - 1) });
      await store.storeEnvelopes([...mine, otherDevice, expired]);
      const asked = [...mine, otherDevice, expired].map((e) => e.id);
      const found = await store.findEnvelopes(user, 1, [...asked, uuid7()], new Date());
      expect(found.map((e) => e.id).sort()).toEqual(mine.map((e) => e.id).sort());
      expect(found.find((e) => e.id === mine[0]?.id)).toEqual(
        await store.findEnvelope(user, 1, mine[0]?.id ?? '', new Date()),
      );
      expect(await store.findEnvelopes(randomUUID(), 1, asked, new Date())).toEqual([]);
      expect(await store.findEnvelopes(user, 1, [], new Date())).toEqual([]);
    });

    it('finds many conversations with one call, members included', async () => {
      const [a, b, c] = [randomUUID(), randomUUID(), randomUUID()];
      const direct = await store.ensureDirectConversation([a, b], randomUUID(), new Date());
      const group = await store.createGroup(
        newGroup([c, a], { createdAt: new Date(Math.floor(Date.now() / 1000) * 1000) }),
      );
      const found = await store.findConversations([group.id, randomUUID(), direct.id, group.id]);
      const byId = new Map(found.map((conversation) => [conversation.id, conversation]));
      expect(found).toHaveLength(2);
      expect(byId.get(direct.id)).toEqual(await store.findConversation(direct.id));
      expect(byId.get(group.id)).toEqual(await store.findConversation(group.id));
      expect([...(byId.get(group.id)?.memberIds ?? [])].sort()).toEqual([a, c].sort());
      expect(await store.findConversations([])).toEqual([]);
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
      const group = await store.createGroup(newGroup([owner]));
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
      const group = await store.createGroup(newGroup([owner], { mlsGroupId: groupId }));
      await expect(
        store.createGroup(newGroup([owner], { mlsGroupId: groupId })),
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
      const group = await store.createGroup(
        newGroup([owner], { mlsGroupId: new Uint8Array(randomBytes(8)) }),
      );
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

    it('counts the pending envelopes of all mailboxes: not acked, removed or expired ones', async () => {
      const before = await store.countPendingEnvelopes(new Date());
      const user = randomUUID();
      const first = envelope(user, 1);
      await store.storeMessage(sent(), [first, envelope(user, 1), envelope(user, 2)]);
      await store.storeEnvelopes([envelope(randomUUID(), 1, { type: 'RECEIPT' })]);
      expect(await store.countPendingEnvelopes(new Date())).toBe(before + 4);

      await store.deleteEnvelopes(user, 1, [first.id]);
      await store.deleteMailbox(user, 2);
      expect(await store.countPendingEnvelopes(new Date())).toBe(before + 2);
    });

    it('keeps each mailbox’s usage through sends, receipts, acks, expiry and device removal', async () => {
      const user = randomUUID();
      const sized = (deviceId: number, bytes: number, overrides: Partial<EnvelopeRecord> = {}) =>
        envelope(user, deviceId, {
          content: new Uint8Array(randomBytes(bytes)),
          expiresAt: new Date(Date.now() + 3 * hour),
          ...overrides,
        });
      const first = sized(1, 100);
      await store.storeMessage(sent(), [first, sized(1, 50), sized(2, 7)]);
      await store.storeEnvelopes([sized(1, 10, { type: 'RECEIPT' })]);
      await store.storeEnvelopes([sized(1, 1000, { expiresAt: new Date(Date.now() + hour) })]);
      expect(
        await store.mailboxUsage([
          { userId: user, deviceId: 1 },
          { userId: user, deviceId: 2 },
          { userId: user, deviceId: 3 },
        ]),
      ).toEqual([
        { userId: user, deviceId: 1, envelopes: 4, bytes: 1160 },
        { userId: user, deviceId: 2, envelopes: 1, bytes: 7 },
        { userId: user, deviceId: 3, envelopes: 0, bytes: 0 },
      ]);

      await store.deleteEnvelopes(user, 1, [first.id]);
      // The 1000-byte envelope has expired two hours from now: the sweep then takes it.
      await store.deleteExpired(new Date(Date.now() + 2 * hour), new Date(0));
      expect(await store.mailboxUsage([{ userId: user, deviceId: 1 }])).toEqual([
        { userId: user, deviceId: 1, envelopes: 2, bytes: 60 },
      ]);
      await store.deleteMailbox(user, 2);
      expect(await store.mailboxUsage([{ userId: user, deviceId: 2 }])).toEqual([
        { userId: user, deviceId: 2, envelopes: 0, bytes: 0 },
      ]);
    });

    it('stores a send within the quota, or nothing for anyone, naming the full devices', async () => {
      const [full, roomy] = [randomUUID(), randomUUID()];
      const quota = { maxEnvelopes: 3, maxBytes: 1000 };
      await store.storeEnvelopes([envelope(full, 1), envelope(full, 1), envelope(full, 2)]);
      const record = sent();
      const refused = await store.storeMessageWithinQuota(
        record,
        [envelope(roomy, 1), envelope(full, 1), envelope(full, 2), envelope(full, 1)],
        quota,
      );
      expect(refused).toEqual({ kind: 'mailbox-full', full: [{ userId: full, deviceId: 1 }] });
      expect((await store.readMailbox(roomy, 1, null, 10, new Date())).envelopes).toEqual([]);
      expect((await store.readMailbox(full, 2, null, 10, new Date())).envelopes).toHaveLength(1);
      expect(await store.findSentMessage(record.senderUserId, 1, record.clientMessageId)).toBe(
        null,
      );

      // Bytes count as well as envelopes.
      const heavy = envelope(full, 2, { content: new Uint8Array(randomBytes(961)) });
      expect(await store.storeMessageWithinQuota(sent(), [heavy], quota)).toEqual({
        kind: 'mailbox-full',
        full: [{ userId: full, deviceId: 2 }],
      });

      const stored = await store.storeMessageWithinQuota(
        record,
        [envelope(roomy, 1), envelope(full, 1)],
        quota,
      );
      expect(stored).toEqual({ kind: 'stored', sent: record });
      // Now device 1 is at its quota: a retry of the stored send still gets its first result.
      expect(
        await store.storeMessageWithinQuota(
          { ...record, messageId: uuid7() },
          [envelope(full, 1)],
          quota,
        ),
      ).toEqual({ kind: 'duplicate', sent: record });
      expect((await store.readMailbox(full, 1, null, 10, new Date())).envelopes).toHaveLength(3);
    });

    it('commits within the quota unless a staying member is full; removed members are exempt', async () => {
      const [owner, stays, leaves] = [randomUUID(), randomUUID(), randomUUID()];
      const quota = { maxEnvelopes: 1, maxBytes: 1_000_000 };
      const group = await store.createGroup(newGroup([owner, stays, leaves]));
      await store.storeEnvelopes([envelope(stays, 1), envelope(leaves, 1)]);
      const commit = (removedUserIds: string[], expectedEpoch = 0) => ({
        conversationId: group.id,
        expectedEpoch,
        addedUserIds: [],
        removedUserIds,
        committerUserId: owner,
        envelopes: [envelope(stays, 1), envelope(leaves, 1)],
      });
      expect(await store.commitGroupWithinQuota(commit([leaves]), quota, [leaves])).toEqual({
        kind: 'mailbox-full',
        full: [{ userId: stays, deviceId: 1 }],
      });
      expect((await store.findConversation(group.id))?.epoch).toBe(0);
      expect((await store.readMailbox(leaves, 1, null, 10, new Date())).envelopes).toHaveLength(1);
      // A stale commit hears of its epoch before any quota.
      expect(await store.commitGroupWithinQuota(commit([], 5), quota, [])).toEqual({
        kind: 'stale-epoch',
        currentEpoch: 0,
      });

      const [stayer] = (await store.readMailbox(stays, 1, null, 10, new Date())).envelopes;
      await store.deleteEnvelopes(stays, 1, [stayer?.id ?? '']);
      expect(await store.commitGroupWithinQuota(commit([leaves]), quota, [leaves])).toMatchObject({
        kind: 'committed',
        conversation: { epoch: 1, memberIds: [owner, stays] },
      });
      // Removed, and over the quota by the one commit that told them so.
      expect((await store.readMailbox(leaves, 1, null, 10, new Date())).envelopes).toHaveLength(2);
    });
  });
}
