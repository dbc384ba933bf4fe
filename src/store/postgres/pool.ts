import pg from 'pg';
import type { Logger } from '../../lib/logger.js';

export interface ConnectionOptions {
  /** A `postgres://` or `postgresql://` URL. */
  url: string;
  /** Tables live in this schema (created by `migrate`); null keeps the server's search_path. */
  schema: string | null;
  /** How long to wait for a connection before a call fails. */
  connectTimeoutMs: number;
  /** Shown in pg_stat_activity. */
  applicationName: string;
}

const INT8_OID = 20;

/** How long a session may sit idle inside a transaction before Postgres ends it. */
export const IDLE_IN_TRANSACTION_MS = 10_000;

/**
 * BIGINT columns (epoch ms, tokens, sequences) as numbers: every value the store keeps fits in
 * a double. Set per connection, not on the global `pg.types`, so other users of `pg` in the
 * process are unaffected.
 */
const types = {
  getTypeParser: ((oid: number, format?: 'text' | 'binary') =>
    oid === INT8_OID && format !== 'binary'
      ? (value: string) => Number(value)
      : pg.types.getTypeParser(oid, format)) as typeof pg.types.getTypeParser,
};

/** Client settings shared by the pool and the listening connection. */
export function clientConfig(opts: ConnectionOptions): pg.ClientConfig {
  const config: pg.ClientConfig = {
    connectionString: opts.url,
    application_name: opts.applicationName,
    connectionTimeoutMillis: opts.connectTimeoutMs,
    keepAlive: true,
    types,
  };
  // A process frozen (SIGSTOP, a stalled VM) in the middle of a transaction would hold its row
  // locks, the leader lease's among them, for as long as it is frozen, and no other replica
  // could take over: Postgres ends such a session after a while, which releases them.
  const settings = [`-c idle_in_transaction_session_timeout=${IDLE_IN_TRANSACTION_MS}`];
  if (opts.schema !== null) settings.push(`-c search_path=${opts.schema}`);
  config.options = settings.join(' ');
  return config;
}

/**
 * The pool of the store's calls. A connection that breaks (server restart, network, an admin
 * terminating it) is reported to the logger and dropped, never thrown at the process; calls
 * fail with the error and later calls get fresh connections.
 */
export function openPool(opts: ConnectionOptions & { max: number }, logger: Logger): pg.Pool {
  const pool = new pg.Pool({ ...clientConfig(opts), max: opts.max, idleTimeoutMillis: 30_000 });
  pool.on('error', (err) => logger.warn({ err }, 'postgres: idle connection failed'));
  pool.on('connect', (client) => {
    // A checked-out client whose connection breaks between queries emits 'error' too.
    client.on('error', (err) => logger.warn({ err }, 'postgres: connection failed'));
  });
  return pool;
}

/** Valid schema names: plain identifiers, so they need no quoting in `search_path`. */
export function checkSchemaName(schema: string): string {
  if (!/^[a-z_][a-z0-9_]{0,62}$/.test(schema)) {
    throw new Error(`invalid schema name ${JSON.stringify(schema)}: use [a-z_][a-z0-9_]*`);
  }
  return schema;
}
