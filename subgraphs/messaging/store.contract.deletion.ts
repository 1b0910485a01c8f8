import { randomUUID } from 'node:crypto';
import { expect, it } from '@jest/globals';
import {
  envelope,
  newGroup,
  sent,
  type MessagingStoreUnderTest,
} from './store.contract.fixtures.js';

/** deleteUserData: what a deleted account leaves behind in messaging, and what stays. */
export function accountDeletionContract(t: MessagingStoreUnderTest): void {
  it('deletes the mailboxes, records, direct conversations and memberships of a user', async () => {
    const [gone, friend, other] = [randomUUID(), randomUUID(), randomUUID()];
    const now = new Date();
    const direct = await t.store.ensureDirectConversation([gone, friend], randomUUID(), now);
    const group = await t.store.createGroup(newGroup([friend, gone, other]));
    // Mail to both of the user's devices, and a send of theirs in the direct conversation.
    await t.store.storeEnvelopes([envelope(gone, 1), envelope(gone, 2)]);
    const theirs = envelope(friend, 1, { senderUserId: gone, conversationId: direct.id });
    const sentRecord = sent(randomUUID(), gone);
    const speaker = { conversationId: direct.id, userId: gone };
    await t.store.storeMessage(sentRecord, [theirs], { speaker });
    await t.store.storeMessage(sent(randomUUID(), gone), [envelope(other, 1)], {
      speaker: { conversationId: group.id, userId: gone },
    });
    await t.store.storeMessage(sent(randomUUID(), friend), [envelope(gone, 1)], {
      speaker: { conversationId: group.id, userId: friend },
    });

    expect(await t.store.deleteUserData(gone, [1, 2])).toEqual([group.id]);

    for (const deviceId of [1, 2]) {
      const page = await t.store.readMailbox(gone, deviceId, null, 10, new Date());
      expect(page.envelopes).toEqual([]);
    }
    expect(await t.store.mailboxUsage([{ userId: gone, deviceId: 1 }])).toEqual([
      { userId: gone, deviceId: 1, envelopes: 0, bytes: 0 },
    ]);
    const { senderUserId, senderDeviceId, clientMessageId } = sentRecord;
    expect(await t.store.findSentMessage(senderUserId, senderDeviceId, clientMessageId)).toBeNull();
    expect(await t.store.findConversation(direct.id)).toBeNull();
    expect(await t.store.listConversations(gone)).toEqual([]);
    expect((await t.store.findConversation(group.id))?.memberIds).toEqual([friend, other]);
    expect([...(await t.store.speakersSharingConversationWith(other, [gone, friend]))]).toEqual([
      friend,
    ]);
    // What they sent to others stays there: it is the recipients' now.
    const kept = await t.store.readMailbox(friend, 1, null, 10, new Date());
    expect(kept.envelopes.map((entry) => [entry.id, entry.senderUserId])).toEqual([
      [theirs.id, gone],
    ]);
    // The friend's list no longer shows the direct conversation; a new one can start afresh.
    expect((await t.store.listConversations(friend)).map((entry) => entry.id)).toEqual([group.id]);
  });

  it('finds nothing the second time, and leaves other users alone', async () => {
    const [gone, friend] = [randomUUID(), randomUUID()];
    const now = new Date();
    await t.store.ensureDirectConversation([gone, friend], randomUUID(), now);
    const friendsGroup = await t.store.createGroup(newGroup([friend, gone]));
    await t.store.storeEnvelopes([envelope(friend, 1)]);
    const friendSend = sent(randomUUID(), friend);
    await t.store.storeMessage(friendSend, [envelope(gone, 3)]);

    expect(await t.store.deleteUserData(gone, [3])).toEqual([friendsGroup.id]);
    expect(await t.store.deleteUserData(gone, [3])).toEqual([]);

    expect((await t.store.readMailbox(friend, 1, null, 10, new Date())).envelopes).toHaveLength(1);
    const { senderUserId, senderDeviceId, clientMessageId } = friendSend;
    expect(
      await t.store.findSentMessage(senderUserId, senderDeviceId, clientMessageId),
    ).not.toBeNull();
    expect((await t.store.listConversations(friend)).map((entry) => entry.id)).toEqual([
      friendsGroup.id,
    ]);
  });
}
