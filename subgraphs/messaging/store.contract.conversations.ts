import { randomBytes, randomUUID } from 'node:crypto';
import { expect, it } from '@jest/globals';
import { uuid7 } from '../../shared/ids/index.js';
import { GroupExistsError } from './store.js';
import {
  envelope,
  newGroup,
  sent,
  type MessagingStoreUnderTest,
} from './store.contract.fixtures.js';

/** The MessagingStore contract for conversations: direct and MLS groups, speakers, epochs, commits. */
export function conversationsContract(t: MessagingStoreUnderTest): void {
  it('finds many conversations with one call, members included', async () => {
    const [a, b, c] = [randomUUID(), randomUUID(), randomUUID()];
    const direct = await t.store.ensureDirectConversation([a, b], randomUUID(), new Date());
    const group = await t.store.createGroup(
      newGroup([c, a], { createdAt: new Date(Math.floor(Date.now() / 1000) * 1000) }),
    );
    const found = await t.store.findConversations([group.id, randomUUID(), direct.id, group.id]);
    const byId = new Map(found.map((conversation) => [conversation.id, conversation]));
    expect(found).toHaveLength(2);
    expect(byId.get(direct.id)).toEqual(await t.store.findConversation(direct.id));
    expect(byId.get(group.id)).toEqual(await t.store.findConversation(group.id));
    expect([...(byId.get(group.id)?.memberIds ?? [])].sort()).toEqual([a, c].sort());
    expect(await t.store.findConversations([])).toEqual([]);
  });

  it('creates one direct conversation per pair, also when both create it at once', async () => {
    const [a, b] = [randomUUID(), randomUUID()];
    const created = await Promise.all([
      t.store.ensureDirectConversation([a, b], randomUUID(), new Date()),
      t.store.ensureDirectConversation([b, a], randomUUID(), new Date()),
    ]);
    expect(created[0].id).toBe(created[1].id);
    expect([...created[0].memberIds].sort()).toEqual([a, b].sort());
    expect((await t.store.listConversations(a)).map((c) => c.id)).toEqual([created[0].id]);
  });

  it('marks a speaker with a stored send only, and names speakers who share a conversation now', async () => {
    const [a, b, stranger] = [randomUUID(), randomUUID(), randomUUID()];
    const direct = await t.store.ensureDirectConversation([a, b], randomUUID(), new Date());
    expect(await t.store.speakersSharingConversationWith(b, [a])).toEqual(new Set());

    const first = sent(randomUUID(), a);
    const speaker = { conversationId: direct.id, userId: a };
    await t.store.storeMessage(first, [envelope(b, 1)], { speaker });
    expect(await t.store.speakersSharingConversationWith(b, [a, stranger])).toEqual(new Set([a]));
    // One-sided: A spoke, B did not; and no one outside the conversation learns of it.
    expect(await t.store.speakersSharingConversationWith(a, [b])).toEqual(new Set());
    expect(await t.store.speakersSharingConversationWith(stranger, [a])).toEqual(new Set());

    // A duplicate of someone else's send marks nothing.
    await t.store.storeMessage({ ...first, messageId: uuid7() }, [envelope(a, 1)], {
      speaker: { conversationId: direct.id, userId: b },
    });
    expect(await t.store.speakersSharingConversationWith(a, [b])).toEqual(new Set());
    expect(await t.store.speakersSharingConversationWith(b, [])).toEqual(new Set());
  });

  it('marks committers and group senders, and forgets them for members who left', async () => {
    const [owner, joiner, quiet] = [randomUUID(), randomUUID(), randomUUID()];
    const group = await t.store.createGroup(newGroup([owner]));
    const committed = await t.store.commitGroup({
      conversationId: group.id,
      expectedEpoch: 0,
      addedUserIds: [joiner, quiet],
      removedUserIds: [],
      committerUserId: owner,
      envelopes: [envelope(joiner, 1)],
    });
    expect(committed.kind).toBe('committed');
    // A stale commit marks nothing.
    await t.store.commitGroup({
      conversationId: group.id,
      expectedEpoch: 0,
      addedUserIds: [],
      removedUserIds: [],
      committerUserId: quiet,
      envelopes: [],
    });
    await t.store.storeMessage(sent(randomUUID(), joiner), [envelope(owner, 1)], {
      condition: { conversationId: group.id, epoch: 1 },
      speaker: { conversationId: group.id, userId: joiner },
    });
    expect(await t.store.speakersSharingConversationWith(quiet, [owner, joiner, quiet])).toEqual(
      new Set([owner, joiner]),
    );
    expect(await t.store.speakersSharingConversationWith(owner, [joiner, quiet])).toEqual(
      new Set([joiner]),
    );

    // Whoever left no longer sees, nor is seen through, the group.
    await t.store.removeMember(group.id, joiner);
    expect(await t.store.speakersSharingConversationWith(owner, [joiner])).toEqual(new Set());
    expect(await t.store.speakersSharingConversationWith(joiner, [owner])).toEqual(new Set());
    expect(await t.store.speakersSharingConversationWith(quiet, [owner])).toEqual(new Set([owner]));
  });

  it('registers MLS group ids once and advances an epoch for exactly one of racing commits', async () => {
    const owner = randomUUID();
    const groupId = new Uint8Array(randomBytes(16));
    const group = await t.store.createGroup(newGroup([owner], { mlsGroupId: groupId }));
    await expect(
      t.store.createGroup(newGroup([owner], { mlsGroupId: groupId })),
    ).rejects.toBeInstanceOf(GroupExistsError);

    const joiners = Array.from({ length: 6 }, () => randomUUID());
    const outcomes = await Promise.all(
      joiners.map((joiner) =>
        t.store.commitGroup({
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
    const after = await t.store.findConversation(group.id);
    expect(after?.epoch).toBe(1);
    expect(after?.memberIds).toHaveLength(2);
    // Only the winner's envelope was stored.
    const delivered = await Promise.all(
      joiners.map((joiner) => t.store.readMailbox(joiner, 1, null, 10, new Date())),
    );
    expect(delivered.filter((page) => page.envelopes.length > 0)).toHaveLength(1);
  });

  it('stores a group message only while the epoch is current', async () => {
    const owner = randomUUID();
    const group = await t.store.createGroup(
      newGroup([owner], { mlsGroupId: new Uint8Array(randomBytes(8)) }),
    );
    expect(
      (
        await t.store.storeMessage(sent(), [envelope(owner, 1)], {
          condition: { conversationId: group.id, epoch: 1 },
        })
      ).kind,
    ).toBe('stale-epoch');
    expect(
      (
        await t.store.storeMessage(sent(), [envelope(owner, 1)], {
          condition: { conversationId: group.id, epoch: 0 },
        })
      ).kind,
    ).toBe('stored');
    expect(await t.store.removeMember(group.id, owner)).toBe(true);
    expect(await t.store.removeMember(group.id, owner)).toBe(false);
  });

  it('commits within the quota unless a staying member is full; removed members are exempt', async () => {
    const [owner, stays, leaves] = [randomUUID(), randomUUID(), randomUUID()];
    const quota = { maxEnvelopes: 1, maxBytes: 1_000_000 };
    const group = await t.store.createGroup(newGroup([owner, stays, leaves]));
    await t.store.storeEnvelopes([envelope(stays, 1), envelope(leaves, 1)]);
    const commit = (removedUserIds: string[], expectedEpoch = 0) => ({
      conversationId: group.id,
      expectedEpoch,
      addedUserIds: [],
      removedUserIds,
      committerUserId: owner,
      envelopes: [envelope(stays, 1), envelope(leaves, 1)],
    });
    expect(await t.store.commitGroupWithinQuota(commit([leaves]), quota, [leaves])).toEqual({
      kind: 'mailbox-full',
      full: [{ userId: stays, deviceId: 1 }],
    });
    expect((await t.store.findConversation(group.id))?.epoch).toBe(0);
    expect((await t.store.readMailbox(leaves, 1, null, 10, new Date())).envelopes).toHaveLength(1);
    // A stale commit hears of its epoch before any quota.
    expect(await t.store.commitGroupWithinQuota(commit([], 5), quota, [])).toEqual({
      kind: 'stale-epoch',
      currentEpoch: 0,
    });

    const [stayer] = (await t.store.readMailbox(stays, 1, null, 10, new Date())).envelopes;
    await t.store.deleteEnvelopes(stays, 1, [stayer?.id ?? '']);
    expect(await t.store.commitGroupWithinQuota(commit([leaves]), quota, [leaves])).toMatchObject({
      kind: 'committed',
      conversation: { epoch: 1, memberIds: [owner, stays] },
    });
    // Removed, and over the quota by the one commit that told them so.
    expect((await t.store.readMailbox(leaves, 1, null, 10, new Date())).envelopes).toHaveLength(2);
  });
}
