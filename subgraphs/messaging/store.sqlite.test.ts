import { describeMessagingStoreContract } from './store.contract.js';
import { SqliteMessagingStore } from './store.sqlite.js';

describeMessagingStoreContract('SQLite', async () => new SqliteMessagingStore(':memory:'));
