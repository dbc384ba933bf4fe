import Database from 'better-sqlite3';
import pg from 'pg';
import WebSocket from 'ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestDatabase, type TestDatabase } from '../../src/store/testing/postgres-server.js';
import { spawnServer, type ServerProcess } from '../helpers/processes.js';
import { tempDir } from '../helpers/temp.js';
import { casesForAbsentRoutes, httpCorpus, WRITE_ROUTES, type HostileCase } from './corpus.js';

/**
 * Hostile input against a real server process, on a SQLite file and on Postgres: every case of
 * the corpus (built from the route catalogue, so new routes are covered) gets a 4xx in the error
 * shape, never a 5xx; the process stays up and logs no internal error; and not one row is
 * added to any table of the store.
 */
const ADMIN = 'hostile-admin-secret';

interface Target {
  server: ServerProcess;
  /** Rows per table, read straight from the database. */
  rowCounts(): Promise<Record<string, number>>;
  stop(): Promise<void>;
}

function startOn(db: string): Promise<ServerProcess> {
  return spawnServer(
    ['--db', db, '--port', '0', '--no-worker', '--rate-limit', 'none', '--log-level', 'warn'],
    { CHRONOQ_ADMIN_TOKEN: ADMIN, CHRONOQ_TOKEN: '' },
  );
}

async function sqliteTarget(): Promise<Target> {
  const tmp = tempDir();
  const file = `${tmp.dir}/hostile.db`;
  const server = await startOn(`sqlite:${file}`);
  const db = new Database(file, { readonly: true, fileMustExist: true });
  return {
    server,
    async rowCounts() {
      const tables = db
        .prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'")
        .all() as { name: string }[];
      const out: Record<string, number> = {};
      for (const { name } of tables) {
        out[name] = (db.prepare(`SELECT count(*) AS n FROM "${name}"`).get() as { n: number }).n;
      }
      return out;
    },
    async stop() {
      server.child.kill('SIGKILL');
      await server.exited;
      db.close();
      tmp.cleanup();
    },
  };
}

async function postgresTarget(): Promise<Target> {
  const database: TestDatabase = await startTestDatabase();
  const server = await startOn(database.url);
  const client = new pg.Client({ connectionString: database.url });
  await client.connect();
  return {
    server,
    async rowCounts() {
      const tables = await client.query<{ name: string }>(
        "SELECT tablename AS name FROM pg_tables WHERE schemaname = 'public'",
      );
      const out: Record<string, number> = {};
      for (const { name } of tables.rows) {
        const r = await client.query<{ n: string }>(`SELECT count(*) AS n FROM "${name}"`);
        out[name] = Number(r.rows[0]!.n);
      }
      return out;
    },
    async stop() {
      server.child.kill('SIGKILL');
      await server.exited;
      await client.end();
      await database.stop();
    },
  };
}

async function send(base: string, c: HostileCase): Promise<{ status: number; body: any }> {
  const headers: Record<string, string> = { authorization: `Bearer ${ADMIN}` };
  if (c.body !== undefined) headers['content-type'] = c.contentType ?? 'application/json';
  const res = await fetch(base + c.path, { method: c.method, headers, body: c.body });
  const text = await res.text();
  let body: unknown = text;
  try {
    body = JSON.parse(text);
  } catch {
    // kept as text: the assertion on the shape will say so
  }
  return { status: res.status, body };
}

const corpus = httpCorpus();

describe.each([
  ['a SQLite file', sqliteTarget],
  ['Postgres', postgresTarget],
] as const)('hostile input on %s', (_name, start) => {
  let target: Target;
  let base: string;
  let before: Record<string, number>;

  beforeAll(async () => {
    target = await start();
    base = target.server.url;
    before = await target.rowCounts();
    expect(Object.keys(before).length).toBeGreaterThan(3);
  }, 120_000);

  afterAll(async () => {
    await target?.stop();
  });

  it('covers every write route of the catalogue', () => {
    const covered = new Set(corpus.map((c) => c.method + ' ' + c.path.split('?')[0]));
    expect(WRITE_ROUTES.length).toBeGreaterThan(10);
    expect(covered.size).toBeGreaterThanOrEqual(WRITE_ROUTES.length);
    // Every route with specific cases (bad cron and zones, DAG cycles, …) is served.
    expect(casesForAbsentRoutes()).toEqual([]);
  });

  it(`refuses all ${corpus.length} HTTP cases with a 4xx in the error shape`, async () => {
    const failures: string[] = [];
    for (const c of corpus) {
      const { status, body } = await send(base, c);
      const label = `${c.method} ${c.path.slice(0, 80)} — ${c.name}: ${status} ${JSON.stringify(body).slice(0, 200)}`;
      const shaped =
        typeof body === 'object' &&
        body !== null &&
        typeof body.error?.code === 'string' &&
        typeof body.error?.message === 'string';
      if (status < 400 || status >= 500 || !shaped) failures.push(label);
      else if (c.status !== undefined && status !== c.status)
        failures.push(`${label} (want ${c.status})`);
      else if (c.field !== undefined && !String(body.error.field ?? '').startsWith(c.field)) {
        failures.push(`${label} (want field ${c.field})`);
      }
    }
    expect(failures).toEqual([]);
  });

  it('refuses hostile worker messages and closes the session, registering nothing', async () => {
    const url = `${base.replace('http', 'ws')}/api/v1/workers/connect`;
    const register = {
      type: 'register',
      protocolVersion: 1,
      name: 'hostile',
      capacity: 1,
      types: null,
      executors: ['function'],
    };
    const cases: { name: string; data: string | Buffer; close: number }[] = [
      { name: 'malformed JSON', data: '{"type":', close: 1008 },
      { name: 'binary', data: Buffer.from([0, 1, 2]), close: 1008 },
      { name: 'an array', data: '[]', close: 1008 },
      { name: 'an unknown type', data: '{"type":"pwn"}', close: 1008 },
      {
        name: 'a negative capacity',
        data: JSON.stringify({ ...register, capacity: -1 }),
        close: 1008,
      },
      {
        name: 'a capacity of 1e400',
        data: JSON.stringify(register).replace('"capacity":1', '"capacity":1e400'),
        close: 1008,
      },
      {
        name: 'a string capacity',
        data: JSON.stringify({ ...register, capacity: '5' }),
        close: 1008,
      },
      {
        name: 'a NUL byte in the name',
        data: JSON.stringify({ ...register, name: 'a\u0000b' }),
        close: 1008,
      },
      {
        name: 'a __proto__ key',
        data: JSON.stringify(register).replace('{', '{"__proto__":{"x":1},'),
        close: 1008,
      },
      {
        name: 'nesting 100,000 deep',
        data: '['.repeat(100_000) + ']'.repeat(100_000),
        close: 1008,
      },
      {
        name: 'reports with a negative attempt',
        data: JSON.stringify({
          type: 'reports',
          reports: [{ kind: 'started', taskId: 'x', attempt: -1 }],
        }),
        close: 1008,
      },
      {
        name: 'reports before register',
        data: JSON.stringify({ type: 'heartbeat', load: 0 }),
        close: 1000,
      },
      { name: 'a message past the size limit', data: 'x'.repeat(5 * 1024 * 1024), close: 1009 },
    ];
    for (const c of cases) {
      const got = await new Promise<{ code: number; errors: any[] }>((resolve, reject) => {
        const ws = new WebSocket(url, { headers: { authorization: `Bearer ${ADMIN}` } });
        const errors: any[] = [];
        ws.on('open', () => ws.send(c.data));
        ws.on('message', (m) => errors.push(JSON.parse(m.toString())));
        ws.on('close', (code) => resolve({ code, errors }));
        ws.on('error', (err) => (/1009|Max payload/.test(err.message) ? undefined : reject(err)));
      });
      expect(got.code, c.name).toBe(c.close);
      if (c.close === 1008)
        expect(got.errors[0], c.name).toMatchObject({ type: 'error', code: 'invalid' });
    }
  });

  it('stays up, logs no internal error, and stores nothing', async () => {
    expect(target.server.child.exitCode).toBeNull();
    expect((await fetch(`${base}/healthz`)).status).toBe(200);
    expect((await fetch(`${base}/readyz`)).status).toBe(200);
    expect(target.server.output()).not.toMatch(/"level":(50|60)/);
    expect(await target.rowCounts()).toEqual(before);
  });
});
