import { describePresenceStoreContract } from './store.contract.js';
import { SqlitePresenceStore } from './store.sqlite.js';

describePresenceStoreContract('SQLite', async () => new SqlitePresenceStore(':memory:'));
