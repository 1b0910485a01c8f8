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
  for (const table of Object.values(faultTables)) {
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
