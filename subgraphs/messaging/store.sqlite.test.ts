import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from '@jest/globals';
import { uuid7 } from '../../shared/ids/index.js';
import { describeMessagingStoreContract } from './store.contract.js';
import { sendFailuresContract, type SendFault } from './store.contract.failures.js';
import { SqliteMessagingStore } from './store.sqlite/index.js';

describeMessagingStoreContract('SQLite', async () => new SqliteMessagingStore(':memory:'));

/** The table whose next insert fails, for each fault. */
const faultTables: Record<SendFault, string> = {
  claim: 'sent_messages',
  'sealed claim': 'sealed_sends',
  'envelope write': 'envelopes',
  'sent record': 'sent_messages',
  'sealed record': 'sealed_sends',
};

// A real failing step: a trigger aborts the insert while its switch (a row another connection
// writes) is on. The triggers exist before the store under test opens the file.
sendFailuresContract('SQLite', async () => {
  const directory = await mkdtemp(path.join(tmpdir(), 'guardyn-messaging-'));
  const file = path.join(directory, 'messaging.sqlite');
  await new SqliteMessagingStore(file).close();
  const saboteur = new Database(file);
  saboteur.exec('CREATE TABLE fault_switch (target TEXT PRIMARY KEY)');
  for (const table of new Set(Object.values(faultTables))) {
    saboteur.exec(`CREATE TRIGGER fault_${table} BEFORE INSERT ON ${table}
      WHEN EXISTS (SELECT 1 FROM fault_switch WHERE target = '${table}')
      BEGIN SELECT RAISE(ABORT, 'injected fault'); END`);
  }
  const store = new SqliteMessagingStore(file);
  return {
    store,
    async inject(fault) {
      saboteur.prepare('INSERT INTO fault_switch (target) VALUES (?)').run(faultTables[fault]);
    },
    async heal() {
      saboteur.exec('DELETE FROM fault_switch');
    },
    async close() {
      saboteur.close();
      await store.close();
      await rm(directory, { recursive: true, force: true });
    },
  };
});

describe('SqliteMessagingStore upgrade', () => {
  it('counts the envelopes already pending when the usage table is added', async () => {
    const directory = await mkdtemp(path.join(tmpdir(), 'guardyn-messaging-'));
    const file = path.join(directory, 'messaging.sqlite');
    try {
      const now = new Date();
      const store = new SqliteMessagingStore(file);
      await store.storeEnvelopes(
        [3, 4].map((bytes) => ({
          id: uuid7(),
          messageId: uuid7(),
          recipientUserId: 'u',
          recipientDeviceId: 1,
          type: 'SIGNAL_MESSAGE' as const,
          senderUserId: null,
          senderDeviceId: null,
          conversationId: null,
          content: new Uint8Array(bytes),
          serverTimestamp: now,
          expiresAt: new Date(now.getTime() + 3600_000),
          receiptRequested: false,
        })),
      );
      await store.close();
      // Back to the schema before the usage table, envelopes kept.
      const db = new Database(file);
      db.exec(
        'DROP TRIGGER envelope_added; DROP TRIGGER envelope_removed; DROP TABLE mailbox_usage; DROP TABLE conversation_speakers; DROP TABLE sealed_sends; DROP TABLE wakeup_outbox;',
      );
      db.pragma('user_version = 1');
      db.close();

      const upgraded = new SqliteMessagingStore(file);
      expect(await upgraded.mailboxUsage([{ userId: 'u', deviceId: 1 }])).toEqual([
        { userId: 'u', deviceId: 1, envelopes: 2, bytes: 7 },
      ]);
      await upgraded.close();
    } finally {
      await rm(directory, { recursive: true, force: true });
    }
  });
});
