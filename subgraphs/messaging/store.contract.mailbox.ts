import { randomBytes, randomUUID } from 'node:crypto';
import { expect, it } from '@jest/globals';
import { uuid7 } from '../../shared/ids/index.js';
import { type EnvelopeRecord } from './store.js';
import {
  envelope,
  hour,
  sendEnvelope,
  sent,
  type MessagingStoreUnderTest,
} from './store.contract.fixtures.js';

/** The MessagingStore contract for mailboxes: sends, paging, deletes, counts and quotas. */
export function mailboxContract(t: MessagingStoreUnderTest): void {
  it('stores a send once per (device, clientMessageId), also under concurrent retries', async () => {
    const user = randomUUID();
    const record = sent();
    // Each attempt as Delivery makes it: a message id of its own, envelope ids derived from it.
    const outcomes = await Promise.all(
      Array.from({ length: 5 }, () => {
        const attempt = { ...record, messageId: uuid7() };
        return t.store.storeMessage(attempt, [sendEnvelope(attempt, user, 1)]);
      }),
    );
    // Attempts that lost the claim to one not completed yet finish it too (CQL): 'stored' again.
    expect(outcomes.filter((outcome) => outcome.kind === 'stored').length).toBeGreaterThan(0);
    const messageIds = new Set(
      outcomes.map((outcome) => (outcome.kind === 'stale-epoch' ? '' : outcome.sent.messageId)),
    );
    expect(messageIds.size).toBe(1);
    const { envelopes } = await t.store.readMailbox(user, 1, null, 10, new Date());
    expect(envelopes.map((e) => e.messageId)).toEqual([...messageIds]);
    expect(
      await t.store.findSentMessage(record.senderUserId, 1, record.clientMessageId),
    ).toMatchObject({ clientMessageId: record.clientMessageId, messageId: [...messageIds][0] });
  });

  it('pages a mailbox in server order with a cursor, skipping expired envelopes', async () => {
    const user = randomUUID();
    const stored = Array.from({ length: 5 }, () => envelope(user, 2));
    const expired = envelope(user, 2, { expiresAt: new Date(Date.now() - 1) });
    await t.store.storeEnvelopes([...stored.slice(0, 3), expired, ...stored.slice(3)]);
    await t.store.storeEnvelopes([envelope(user, 3)]);
    const first = await t.store.readMailbox(user, 2, null, 2, new Date());
    expect(first.envelopes.map((e) => e.id)).toEqual(stored.slice(0, 2).map((e) => e.id));
    expect(first.hasMore).toBe(true);
    const rest = await t.store.readMailbox(user, 2, first.cursor, 10, new Date());
    expect(rest.envelopes.map((e) => e.id)).toEqual(stored.slice(2).map((e) => e.id));
    expect(rest.hasMore).toBe(false);
    const empty = await t.store.readMailbox(user, 2, rest.cursor, 10, new Date());
    expect(empty).toEqual({ envelopes: [], cursor: rest.cursor, hasMore: false });
    expect(rest.envelopes[0]?.content).toEqual(stored[2]?.content);
  });

  it('deletes only the device’s own envelopes, and expired ones on sweep', async () => {
    const user = randomUUID();
    const mine = envelope(user, 1);
    const other = envelope(user, 2);
    const old = envelope(user, 1, { expiresAt: new Date(Date.now() - 1) });
    await t.store.storeEnvelopes([mine, other, old]);
    expect(
      (await t.store.deleteEnvelopes(user, 1, [mine.id, other.id, 'nope'])).map((e) => e.id),
    ).toEqual([mine.id]);
    expect(await t.store.findEnvelope(user, 2, other.id, new Date())).toMatchObject({
      id: other.id,
    });
    expect(await t.store.deleteExpired(new Date(), new Date(0))).toBe(1);
    expect(await t.store.deleteMailbox(user, 2)).toBe(1);
  });

  it('finds many envelopes of one device with one call: its own, unexpired ones only', async () => {
    const user = randomUUID();
    const mine = [envelope(user, 1), envelope(user, 1), envelope(user, 1)];
    const otherDevice = envelope(user, 2);
    const expired = envelope(user, 1, { expiresAt: new Date(Date.now() - 1) });
    await t.store.storeEnvelopes([...mine, otherDevice, expired]);
    const asked = [...mine, otherDevice, expired].map((e) => e.id);
    const found = await t.store.findEnvelopes(user, 1, [...asked, uuid7()], new Date());
    expect(found.map((e) => e.id).sort()).toEqual(mine.map((e) => e.id).sort());
    expect(found.find((e) => e.id === mine[0]?.id)).toEqual(
      await t.store.findEnvelope(user, 1, mine[0]?.id ?? '', new Date()),
    );
    expect(await t.store.findEnvelopes(randomUUID(), 1, asked, new Date())).toEqual([]);
    expect(await t.store.findEnvelopes(user, 1, [], new Date())).toEqual([]);
  });

  it('counts the pending envelopes of all mailboxes: not acked, removed or expired ones', async () => {
    const before = await t.store.countPendingEnvelopes(new Date());
    const user = randomUUID();
    const first = envelope(user, 1);
    await t.store.storeMessage(sent(), [first, envelope(user, 1), envelope(user, 2)]);
    await t.store.storeEnvelopes([envelope(randomUUID(), 1, { type: 'RECEIPT' })]);
    expect(await t.store.countPendingEnvelopes(new Date())).toBe(before + 4);

    await t.store.deleteEnvelopes(user, 1, [first.id]);
    await t.store.deleteMailbox(user, 2);
    expect(await t.store.countPendingEnvelopes(new Date())).toBe(before + 2);
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
    await t.store.storeMessage(sent(), [first, sized(1, 50), sized(2, 7)]);
    await t.store.storeEnvelopes([sized(1, 10, { type: 'RECEIPT' })]);
    await t.store.storeEnvelopes([sized(1, 1000, { expiresAt: new Date(Date.now() + hour) })]);
    expect(
      await t.store.mailboxUsage([
        { userId: user, deviceId: 1 },
        { userId: user, deviceId: 2 },
        { userId: user, deviceId: 3 },
      ]),
    ).toEqual([
      { userId: user, deviceId: 1, envelopes: 4, bytes: 1160 },
      { userId: user, deviceId: 2, envelopes: 1, bytes: 7 },
      { userId: user, deviceId: 3, envelopes: 0, bytes: 0 },
    ]);

    await t.store.deleteEnvelopes(user, 1, [first.id]);
    // The 1000-byte envelope has expired two hours from now: the sweep then takes it.
    await t.store.deleteExpired(new Date(Date.now() + 2 * hour), new Date(0));
    expect(await t.store.mailboxUsage([{ userId: user, deviceId: 1 }])).toEqual([
      { userId: user, deviceId: 1, envelopes: 2, bytes: 60 },
    ]);
    await t.store.deleteMailbox(user, 2);
    expect(await t.store.mailboxUsage([{ userId: user, deviceId: 2 }])).toEqual([
      { userId: user, deviceId: 2, envelopes: 0, bytes: 0 },
    ]);
  });

  it('stores a send within the quota, or nothing for anyone, naming the full devices', async () => {
    const [full, roomy] = [randomUUID(), randomUUID()];
    const quota = { maxEnvelopes: 3, maxBytes: 1000 };
    await t.store.storeEnvelopes([envelope(full, 1), envelope(full, 1), envelope(full, 2)]);
    const record = sent();
    const refused = await t.store.storeMessageWithinQuota(
      record,
      [envelope(roomy, 1), envelope(full, 1), envelope(full, 2), envelope(full, 1)],
      quota,
    );
    expect(refused).toEqual({ kind: 'mailbox-full', full: [{ userId: full, deviceId: 1 }] });
    expect((await t.store.readMailbox(roomy, 1, null, 10, new Date())).envelopes).toEqual([]);
    expect((await t.store.readMailbox(full, 2, null, 10, new Date())).envelopes).toHaveLength(1);
    expect(await t.store.findSentMessage(record.senderUserId, 1, record.clientMessageId)).toBe(
      null,
    );

    // Bytes count as well as envelopes.
    const heavy = envelope(full, 2, { content: new Uint8Array(randomBytes(961)) });
    expect(await t.store.storeMessageWithinQuota(sent(), [heavy], quota)).toEqual({
      kind: 'mailbox-full',
      full: [{ userId: full, deviceId: 2 }],
    });

    const accepted = [envelope(roomy, 1), envelope(full, 1)];
    const stored = await t.store.storeMessageWithinQuota(record, accepted, quota);
    expect(stored).toEqual({ kind: 'stored', sent: record, envelopes: accepted });
    // Now device 1 is at its quota: a retry of the stored send still gets its first result.
    expect(
      await t.store.storeMessageWithinQuota(
        { ...record, messageId: uuid7() },
        [envelope(full, 1)],
        quota,
      ),
    ).toEqual({ kind: 'duplicate', sent: record });
    expect((await t.store.readMailbox(full, 1, null, 10, new Date())).envelopes).toHaveLength(3);
  });
}
