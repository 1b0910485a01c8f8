export { openSqlite, truncateWal, type SqliteDatabase } from './open.js';
