export {
  PostgresStore,
  channelOf,
  openPostgresStore,
  type PostgresStoreOptions,
} from './postgres-store.js';
export { MIGRATIONS, migrate, type Migration } from './migrations.js';
