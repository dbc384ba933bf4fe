// The Postgres server for cluster mode: CHRONOQ_BENCH_POSTGRES_URL, else the machine's own server
// at postgres://postgres@127.0.0.1:5432/postgres if it answers. Never starts one itself.
// Each run gets a fresh database `chronoq_bench_<random>`, dropped afterwards.
import { randomBytes } from 'node:crypto';
import pg from 'pg';

export const DEFAULT_POSTGRES_URL = 'postgres://postgres@127.0.0.1:5432/postgres';

async function withClient(url, fn) {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 3000 });
  client.on('error', () => {});
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end().catch(() => undefined);
  }
}

/** Hide a password in a URL before printing it. */
export function redact(url) {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    return u.toString();
  } catch {
    return '(unparsable URL)';
  }
}

/**
 * `{ available: true, url, source, version }` or `{ available: false, url, source, reason }`.
 */
export async function findPostgres() {
  const fromEnv = process.env.CHRONOQ_BENCH_POSTGRES_URL;
  const url = fromEnv || DEFAULT_POSTGRES_URL;
  const source = fromEnv ? 'CHRONOQ_BENCH_POSTGRES_URL' : 'default';
  try {
    const version = await withClient(url, async (c) => {
      const r = await c.query('SHOW server_version');
      return r.rows[0].server_version;
    });
    return { available: true, url, source, version };
  } catch (err) {
    return { available: false, url, source, reason: err?.message || String(err) };
  }
}

/** Create `chronoq_bench_<random>` on the server of `adminUrl`; `drop()` removes it. */
export async function createDatabase(adminUrl) {
  const name = `chronoq_bench_${randomBytes(6).toString('hex')}`;
  await withClient(adminUrl, (c) => c.query(`CREATE DATABASE ${name}`));
  const u = new URL(adminUrl);
  u.pathname = `/${name}`;
  return {
    name,
    url: u.toString(),
    async drop() {
      await withClient(adminUrl, async (c) => {
        try {
          await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`); // Postgres 13+
        } catch {
          await c.query(
            `SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1`,
            [name],
          );
          await c.query(`DROP DATABASE IF EXISTS ${name}`);
        }
      });
    },
  };
}

/** Pids of the backends connected to database `name` (to account their CPU time). */
export async function backendPids(adminUrl, name) {
  return withClient(adminUrl, async (c) => {
    const r = await c.query('SELECT pid FROM pg_stat_activity WHERE datname = $1', [name]);
    return r.rows.map((row) => row.pid);
  });
}

/** pg_stat_database counters of database `name` (complete once its clients have disconnected). */
export async function databaseStats(adminUrl, name) {
  return withClient(adminUrl, async (c) => {
    const r = await c.query(
      `SELECT xact_commit, xact_rollback, tup_returned, tup_fetched, tup_inserted, tup_updated,
              tup_deleted, blks_read, blks_hit
         FROM pg_stat_database WHERE datname = $1`,
      [name],
    );
    return Object.fromEntries(Object.entries(r.rows[0] ?? {}).map(([k, v]) => [k, Number(v)]));
  });
}

/**
 * Where the reads went in database `url` (pg_stat_user_tables / pg_stat_user_indexes): the
 * tables and indexes with the most tuples read, to tell a scan-heavy query from plain volume.
 */
export async function scanStats(url, top = 5) {
  return withClient(url, async (c) => {
    const tables = await c.query(
      `SELECT relname AS table, seq_scan, seq_tup_read, idx_scan, idx_tup_fetch,
              n_tup_ins, n_tup_upd, n_tup_hot_upd, n_tup_del, n_live_tup, n_dead_tup
         FROM pg_stat_user_tables
        ORDER BY coalesce(seq_tup_read, 0) + coalesce(idx_tup_fetch, 0) DESC LIMIT $1`,
      [top],
    );
    const indexes = await c.query(
      `SELECT relname AS table, indexrelname AS index, idx_scan, idx_tup_read, idx_tup_fetch
         FROM pg_stat_user_indexes ORDER BY idx_tup_read DESC LIMIT $1`,
      [top],
    );
    const num = (rows) =>
      rows.map((r) =>
        Object.fromEntries(
          Object.entries(r).map(([k, v]) => [
            k,
            typeof v === 'string' && /^\d+$/.test(v) ? Number(v) : v,
          ]),
        ),
      );
    return { tables: num(tables.rows), indexes: num(indexes.rows) };
  });
}
