import { describeUnidentifiedAccessContract } from './store.contract.sealed.js';
import { describeAuthStoreContract } from './store.contract.js';
import { describeAuthAccountDeletionContract } from './store.contract.deletion.js';
import { SqliteAuthStore } from './store.sqlite/index.js';

describeAuthStoreContract('SQLite', async () => new SqliteAuthStore(':memory:'));
describeUnidentifiedAccessContract('SQLite', async () => new SqliteAuthStore(':memory:'));
describeAuthAccountDeletionContract('SQLite', async () => new SqliteAuthStore(':memory:'));
