import { describeAuthStoreContract } from './store.contract.js';
import { SqliteAuthStore } from './store.sqlite/index.js';

describeAuthStoreContract('SQLite', async () => new SqliteAuthStore(':memory:'));
