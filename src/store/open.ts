import type { Logger } from '../lib/logger.js';
import { openPostgresStore } from './postgres/postgres-store.js';
import { openSqliteStore } from './sqlite/sqlite-store.js';
import type { Store } from './store.js';

export interface OpenStoreOptions {
  logger?: Logger;
}

/**
 * Open the store a URL names: `postgres://…` or `postgresql://…` (cluster mode), or
 * `sqlite:./path.db`, `sqlite:/abs/path.db`, `sqlite:///abs/path.db`, `sqlite::memory:`, or a
 * bare file path. The schema is not migrated: call `migrate()`.
 */
export async function openStore(url: string, opts: OpenStoreOptions = {}): Promise<Store> {
  const trimmed = url.trim();
  if (/^postgres(ql)?:\/\//i.test(trimmed)) return openPostgresStore(trimmed, opts);
  return openSqliteStore(sqlitePath(trimmed), opts);
}

/** The file path of a SQLite URL (or bare path). */
export function sqlitePath(url: string): string {
  let path: string;
  if (/^sqlite:\/\//i.test(url)) path = url.slice('sqlite://'.length);
  else if (/^sqlite:/i.test(url)) path = url.slice('sqlite:'.length);
  else if (/^[a-z][a-z0-9+.-]+:\/\//i.test(url)) {
    throw new Error(`unsupported database URL ${JSON.stringify(url)}: use sqlite:<path>`);
  } else path = url;
  if (path === '') throw new Error(`database URL ${JSON.stringify(url)} names no file`);
  return path;
}
