import { describeMediaStoreContract } from './store.contract.js';
import { SqliteMediaStore } from './store.sqlite.js';

describeMediaStoreContract('SQLite', async () => new SqliteMediaStore(':memory:'));
