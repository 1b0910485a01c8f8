import { randomBytes, randomUUID } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import { uuid7 } from '../../shared/ids/index.js';
import type { MessagingStore, SealedSendRecord, SentMessageRecord } from './store.js';
import { sendEnvelope } from './store.contract.fixtures.js';

/**
 * Where a send is made to fail: its claim (written, then the answer lost), writing its
 * envelopes, or completing its record after them. SQLite has one record per send, written with
 * the envelopes in one transaction: there a claim fault is a record fault.
 */
export type SendFault =
  'claim' | 'envelope write' | 'sent record' | 'sealed claim' | 'sealed record';

/**
 * A real store whose next write of one kind fails (a trigger in SQLite, a session that throws in
 * CQL) until `heal`; everything else runs as usual.
 */
export interface FaultyStore {
  readonly store: MessagingStore;
  inject(fault: SendFault): Promise<void>;
  heal(): Promise<void>;
  close(): Promise<void>;
}

const roomy = { maxEnvelopes: 1000, maxBytes: 1 << 30 };
const devices = [1, 2, 3];

/** A send of a new sender device and clientMessageId, before any attempt gave it a message id. */
function newSendRecord(): SentMessageRecord {
  return {
    senderUserId: randomUUID(),
    senderDeviceId: 1,
    clientMessageId: randomUUID(),
    messageId: '',
    serverTimestamp: new Date(),
    recipients: devices.length,
  };
}

/** One attempt at a send, as Delivery makes it: a message id of its own, ids derived from it. */
function attempt(record: SentMessageRecord, recipient: string) {
  const sent = { ...record, messageId: uuid7(), serverTimestamp: new Date() };
  const message = { messageId: sent.messageId, serverTimestamp: sent.serverTimestamp };
  return { sent, envelopes: devices.map((deviceId) => sendEnvelope(message, recipient, deviceId)) };
}

function sealedAttempt(keys: readonly string[], recipient: string) {
  const message = { messageId: uuid7(), serverTimestamp: new Date() };
  const records: SealedSendRecord[] = keys.map((key) => ({
    key,
    ...message,
    recipients: devices.length,
  }));
  const envelopes = devices.map((deviceId) =>
    sendEnvelope(message, recipient, deviceId, {
      type: 'SEALED_SENDER',
      senderUserId: null,
      senderDeviceId: null,
    }),
  );
  return { records, envelopes };
}

/**
 * The message a store call failed with ('resolved' if it did not). Not `rejects.toThrow()`: a
 * native module's errors may come from another jest module registry, where `instanceof Error`
 * does not hold.
 */
function failure(call: Promise<unknown>): Promise<string> {
  return call.then(
    () => 'resolved',
    (error: unknown) => String((error as { message?: unknown } | null)?.message ?? error),
  );
}

/**
 * Sends that fail part way (issue 15): whatever step failed, the retry with the same
 * clientMessageId leaves exactly one envelope per addressed device, of one message, and the send
 * is then complete (a further retry is a duplicate).
 */
export function sendFailuresContract(adapter: string, open: () => Promise<FaultyStore>): void {
  describe(`MessagingStore contract: ${adapter}: sends that fail part way`, () => {
    let faulty: FaultyStore;
    beforeEach(async () => {
      faulty = await open();
    });
    afterEach(() => faulty.close());

    /** A further attempt at `record`'s send, which must store it. */
    async function storedRetry(record: SentMessageRecord, recipient: string) {
      const retry = attempt(record, recipient);
      const outcome = await faulty.store.storeMessageWithinQuota(
        retry.sent,
        retry.envelopes,
        roomy,
      );
      if (outcome.kind !== 'stored') throw new Error(`retry: ${outcome.kind}`);
      return outcome;
    }

    async function expectOneEnvelopePerDevice(recipient: string, messageId: string) {
      for (const deviceId of devices) {
        const { envelopes } = await faulty.store.readMailbox(
          recipient,
          deviceId,
          null,
          10,
          new Date(),
        );
        expect(envelopes.map((envelope) => envelope.messageId)).toEqual([messageId]);
      }
    }

    it.each(['claim', 'envelope write', 'sent record'] as const)(
      'stores a send once when its first attempt failed at the %s',
      async (fault) => {
        const recipient = randomUUID();
        const record = newSendRecord();
        const first = attempt(record, recipient);
        await faulty.inject(fault);
        expect(
          await failure(faulty.store.storeMessageWithinQuota(first.sent, first.envelopes, roomy)),
        ).toMatch(/injected fault/);
        await faulty.heal();
        const { senderUserId, senderDeviceId, clientMessageId } = record;
        expect(
          await faulty.store.findSentMessage(senderUserId, senderDeviceId, clientMessageId),
        ).toBeNull();

        const outcome = await storedRetry(record, recipient);
        expect(outcome.envelopes.map((envelope) => envelope.messageId)).toEqual(
          devices.map(() => outcome.sent.messageId),
        );
        await expectOneEnvelopePerDevice(recipient, outcome.sent.messageId);

        const again = attempt(record, recipient);
        expect(
          await faulty.store.storeMessageWithinQuota(again.sent, again.envelopes, roomy),
        ).toEqual({ kind: 'duplicate', sent: outcome.sent });
        await expectOneEnvelopePerDevice(recipient, outcome.sent.messageId);
      },
    );

    it('keeps an envelope acked between a failed attempt and its retry acked', async () => {
      const recipient = randomUUID();
      const record = newSendRecord();
      // The envelopes are written, the record is not: the client is told the send failed.
      const first = attempt(record, recipient);
      await faulty.inject('sent record');
      expect(
        await failure(faulty.store.storeMessageWithinQuota(first.sent, first.envelopes, roomy)),
      ).toMatch(/injected fault/);
      await faulty.heal();
      // Device 1 reads and acks what it finds (SQLite kept nothing of the failed attempt).
      const read = async (deviceId: number) =>
        (await faulty.store.readMailbox(recipient, deviceId, null, 10, new Date())).envelopes;
      const acked = (await read(1)).map((envelope) => envelope.id);
      await faulty.store.deleteEnvelopes(recipient, 1, acked);

      const outcome = await storedRetry(record, recipient);
      const again = (await read(1)).map((envelope) => envelope.id);
      // An acked envelope never comes back; one never delivered is delivered.
      expect(again).toEqual(acked.length > 0 ? [] : [outcome.envelopes[0]?.id]);
      for (const deviceId of [2, 3]) expect(await read(deviceId)).toHaveLength(1);
    });

    it.each(['sealed claim', 'envelope write', 'sealed record'] as const)(
      'stores a sealed send once when its first attempt failed at the %s',
      async (fault) => {
        const recipient = randomUUID();
        const keys = [randomBytes(32).toString('hex')];
        const first = sealedAttempt(keys, recipient);
        await faulty.inject(fault);
        expect(
          await failure(faulty.store.storeSealedWithinQuota(first.records, first.envelopes, roomy)),
        ).toMatch(/injected fault/);
        await faulty.heal();
        expect(await faulty.store.findSealedSend(keys)).toBeNull();

        const retry = sealedAttempt(keys, recipient);
        const outcome = await faulty.store.storeSealedWithinQuota(
          retry.records,
          retry.envelopes,
          roomy,
        );
        if (outcome.kind !== 'stored') throw new Error(`retry: ${outcome.kind}`);
        await expectOneEnvelopePerDevice(recipient, outcome.sent.messageId);
        const again = sealedAttempt(keys, recipient);
        expect(
          await faulty.store.storeSealedWithinQuota(again.records, again.envelopes, roomy),
        ).toEqual({ kind: 'duplicate', sent: outcome.sent });
        await expectOneEnvelopePerDevice(recipient, outcome.sent.messageId);
      },
    );
  });
}
