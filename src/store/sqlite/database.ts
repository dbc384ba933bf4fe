import Database from 'better-sqlite3';

export interface OpenDatabaseOptions {
  /** How long a writer waits for another connection's lock before failing. */
  busyTimeoutMs?: number;
}

/** Open a SQLite connection tuned for the store: WAL, synchronous=NORMAL, a busy timeout. */
export function openDatabase(path: string, opts: OpenDatabaseOptions = {}): Database.Database {
  const db = new Database(path);
  try {
    db.pragma(`busy_timeout = ${Math.max(0, Math.floor(opts.busyTimeoutMs ?? 5000))}`);
    if (path !== ':memory:' && path !== '') db.pragma('journal_mode = WAL');
    // With WAL, NORMAL keeps the database consistent on power loss and durable on process crash.
    db.pragma('synchronous = NORMAL');
    db.pragma('foreign_keys = ON');
    db.pragma('temp_store = MEMORY');
    db.pragma('cache_size = -65536');
    return db;
  } catch (err) {
    db.close();
    throw err;
  }
}
