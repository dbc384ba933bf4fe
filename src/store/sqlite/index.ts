export { SqliteStore, openSqliteStore, type SqliteStoreOptions } from './sqlite-store.js';
export { MIGRATIONS, migrate, type Migration } from './migrations.js';
