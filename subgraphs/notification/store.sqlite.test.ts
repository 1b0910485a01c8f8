import { describeNotificationStoreContract } from './store.contract.js';
import { SqliteNotificationStore } from './store.sqlite.js';

describeNotificationStoreContract('SQLite', async () => new SqliteNotificationStore(':memory:'));
