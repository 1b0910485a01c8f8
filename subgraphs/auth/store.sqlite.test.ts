import { describeUnidentifiedAccessContract } from './store.contract.sealed.js';
import { describeAuthStoreContract } from './store.contract.js';
import { SqliteAuthStore } from './store.sqlite/index.js';

describeAuthStoreContract('SQLite', async () => new SqliteAuthStore(':memory:'));
describeUnidentifiedAccessContract('SQLite', async () => new SqliteAuthStore(':memory:'));
