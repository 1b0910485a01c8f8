import { describeAuthStoreContract } from './store.contract.js';
import { SqliteAuthStore } from './store.sqlite.js';

describeAuthStoreContract('SQLite', async () => new SqliteAuthStore(':memory:'));
