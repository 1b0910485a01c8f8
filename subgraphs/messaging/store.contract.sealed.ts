import { randomBytes, randomUUID } from 'node:crypto';
import { expect, it } from '@jest/globals';
import { uuid7 } from '../../shared/ids/index.js';
import type { SealedSendRecord } from './store.js';
import {
  envelope,
  hour,
  sendEnvelope,
  type MessagingStoreUnderTest,
} from './store.contract.fixtures.js';

const roomy = { maxEnvelopes: 1000, maxBytes: 1 << 30 };

function sealedRecord(key = randomBytes(32).toString('hex'), recipients = 1): SealedSendRecord {
  return {
    key,
    messageId: uuid7(),
    serverTimestamp: new Date(Math.floor(Date.now() / 1000) * 1000),
    recipients,
  };
}

const sealedFields = { type: 'SEALED_SENDER', senderUserId: null, senderDeviceId: null } as const;

const sealedEnvelope = (userId: string, deviceId: number) =>
  envelope(userId, deviceId, sealedFields);

/** The MessagingStore contract for sealed sends: records per recipient, no sender, quotas. */
export function sealedSendsContract(t: MessagingStoreUnderTest): void {
  it('stores a sealed send once, whichever of its recipients a retry names, under concurrent retries', async () => {
    const [bob, carol] = [randomUUID(), randomUUID()];
    const keys = [randomBytes(32).toString('hex'), randomBytes(32).toString('hex')];
    // Each attempt as SealedDeliveryService makes it: its own message, envelope ids derived.
    const send = () => {
      const messageId = uuid7();
      const records = keys.map((key) => ({ ...sealedRecord(key, 2), messageId }));
      const message = { messageId, serverTimestamp: records[0]?.serverTimestamp ?? new Date() };
      return t.store.storeSealedWithinQuota(
        records,
        [bob, carol].map((user) => sendEnvelope(message, user, 1, sealedFields)),
        roomy,
      );
    };
    const outcomes = await Promise.all(Array.from({ length: 4 }, send));
    // Attempts that lost the claim to one not completed yet finish it too (CQL): 'stored' again.
    expect(outcomes.filter((outcome) => outcome.kind === 'stored').length).toBeGreaterThan(0);
    const messageIds = new Set(
      outcomes.map((outcome) => (outcome.kind === 'mailbox-full' ? '' : outcome.sent.messageId)),
    );
    expect(messageIds.size).toBe(1);
    for (const user of [bob, carol]) {
      const { envelopes } = await t.store.readMailbox(user, 1, null, 10, new Date());
      expect(envelopes).toHaveLength(1);
      expect(envelopes[0]).toMatchObject({
        type: 'SEALED_SENDER',
        senderUserId: null,
        senderDeviceId: null,
      });
    }
    // Each recipient's record is found alone: a later send naming only carol is a retry.
    expect(await t.store.findSealedSend([keys[1] ?? ''])).toMatchObject({ recipients: 2 });
    expect(await t.store.findSealedSend([randomBytes(32).toString('hex')])).toBeNull();
    const alone = await t.store.storeSealedWithinQuota(
      [sealedRecord(keys[1])],
      [sealedEnvelope(carol, 1)],
      roomy,
    );
    expect(alone.kind).toBe('duplicate');
    expect((await t.store.readMailbox(carol, 1, null, 10, new Date())).envelopes).toHaveLength(1);
  });

  it('refuses a sealed send over the mailbox quota, storing neither envelopes nor records', async () => {
    const bob = randomUUID();
    await t.store.storeEnvelopes([sealedEnvelope(bob, 1)]);
    const record = sealedRecord();
    const outcome = await t.store.storeSealedWithinQuota([record], [sealedEnvelope(bob, 1)], {
      maxEnvelopes: 1,
      maxBytes: 1 << 20,
    });
    expect(outcome).toEqual({ kind: 'mailbox-full', full: [{ userId: bob, deviceId: 1 }] });
    expect(await t.store.findSealedSend([record.key])).toBeNull();
    expect((await t.store.readMailbox(bob, 1, null, 10, new Date())).envelopes).toHaveLength(1);
  });

  it('sweeps sealed-send records older than the retention with the sent ones (SQLite; CQL by TTL)', async () => {
    const old = { ...sealedRecord(), serverTimestamp: new Date(Date.now() - 2 * hour) };
    await t.store.storeSealedWithinQuota([old], [sealedEnvelope(randomUUID(), 1)], roomy);
    await t.store.deleteExpired(new Date(), new Date(Date.now() - hour));
    const found = await t.store.findSealedSend([old.key]);
    // CQL keeps the record until its TTL (the retention from the write), not the sweep.
    if (found) expect(found.messageId).toBe(old.messageId);
  });
}
