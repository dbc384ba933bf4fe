// `npm run bench:scale`: does Chronoq stay flat with a large history? For embedded SQLite and for
// Postgres (1 remote worker, prefetch 50), the same measurements first on an empty store, then
// with N finished tasks (default 1,000,000) already in it:
//
//   process   20,000 noop tasks submitted to a paused queue, then released: tasks/s until done
//   latency   submit→start p50 / p95 / p99 / max, open loop at 200/s for 5 s (`bench.stamp`)
//   endpoints median time of GET /api/v1/queues, GET /api/v1/queues/:name, GET /metrics and the
//             first pages of the task list (all, and the dead-letter set), 30 calls each
//
// The finished tasks are seeded with SQL straight into the store (the HTTP API would take far
// too long), as the engine writes them: 85 % succeeded at the first attempt, 5 % succeeded at the
// second, 5 % failed for good (the dead-letter set, 3 attempts), 5 % cancelled while pending;
// each with its task_events and attempts rows; spread over 8 queues (two of them the queues the
// measurements use), finished over the last ~11 hours. The server is started once to migrate
// the store, stopped, the store seeded, and started again; on Postgres the seeded tables are then
// VACUUM ANALYZEd (what autovacuum does to a table whose rows are hours old). Every server runs
// with `--retention 7d`, so the retention pruner runs its periodic query over the seeded tasks
// (it finds none old enough to delete). Everything is measured through the HTTP API and the
// worker processes, as a user drives them.
//
// Flags: --finished N (1000000), --mode embedded|cluster|all (all), --out FILE (JSON),
// --md FILE (the markdown table), --tasks N (20000), --rate N (200), --seconds N (5),
// --repeat N (2: processing and latency run N times on each store, the best run is reported).
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import Database from 'better-sqlite3';
import pg from 'pg';
import { spawnChronoq } from './children.js';
import { BENCH_HANDLERS } from './chronoq-system.js';
import { untilWorkersLive } from './chronoq-api.js';
import { makeClient } from './http.js';
import { createDatabase, findPostgres, redact } from './postgres.js';
import { startWorkerProcess } from './worker-process.js';
import { now, percentiles } from './workloads.js';

const args = process.argv.slice(2);
const arg = (name, dflt) => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : dflt;
};
if (args.includes('--help')) {
  console.log(
    'node bench/scale.js [--finished N] [--mode embedded|cluster|all] [--out FILE] [--md FILE]\n' +
      '                    [--tasks N] [--rate N] [--seconds N] [--repeat N]',
  );
  process.exit(0);
}
const MODE = arg('--mode', 'all');
if (!['embedded', 'cluster', 'all'].includes(MODE)) {
  console.error(`--mode: expected embedded, cluster or all, got ${MODE}`);
  process.exit(2);
}
const FINISHED = Number(arg('--finished', 1_000_000));
const TASKS = Number(arg('--tasks', 20_000));
const RATE = Number(arg('--rate', 200));
const SECONDS = Number(arg('--seconds', 5));
const REPEAT = Math.max(1, Number(arg('--repeat', 2)));
const DEADLINE_MS = 300_000;
const ENDPOINT_CALLS = 30;

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const log = (msg) => console.error(`scale: ${msg}`);

/** Seeded queues: the measured ones (proc, lat) carry history too. */
const QUEUES = ['default', 'emails', 'reports', 'webhooks', 'images', 'billing', 'proc', 'lat'];
const SEED_STEP_MS = 40; // one finished task every 40 ms: 1,000,000 over ~11 h
const WORKERS = 4;

// -- Seeding -----------------------------------------------------------------------------------

const BACKOFF = '{"kind":"exponential","initialMs":1000,"maxMs":300000,"jitter":0.2}';
const ERROR = '{"message":"seeded failure","name":"Error"}';

/** Seed `n` finished tasks into the SQLite file at `path` (the server stopped). */
export function seedSqlite(path, n, base) {
  const db = new Database(path);
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = NORMAL');
  db.pragma('cache_size = -262144');
  const q = `CASE s.i % ${QUEUES.length} ${QUEUES.map((name, j) => `WHEN ${j} THEN '${name}'`).join(' ')} END`;
  db.transaction(() => {
    db.exec(`CREATE TEMP TABLE seed AS
      WITH RECURSIVE s(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM s WHERE i < ${n})
      SELECT i, i % 100 AS k, ${base} + i * ${SEED_STEP_MS} AS c,
        '00SEED' || substr('00000000000000000000' || i, -20) AS id,
        'seed-worker-' || (i % ${WORKERS}) AS w, ${q} AS q
      FROM s`);
    db.exec(`INSERT INTO tasks (id, queue, type, state, want, priority, run_at, due_at, attempt,
        attempt_base, max_attempts, backoff, timeout_ms, idempotency_key, concurrency_key,
        executor, selector, tolerations, resources, res_cpu, res_memory_mb, labels, workflow_id,
        step_id, schedule_id, fire_at, worker_id, assigned_at, created_at, updated_at, started_at,
        finished_at, deadline_at, payload, result, error, progress, version, restart, parent_id,
        flow, trace)
      SELECT id, q, 'chronoq.noop',
        CASE WHEN k < 90 THEN 'succeeded' WHEN k < 95 THEN 'failed' ELSE 'cancelled' END,
        CASE WHEN k < 95 THEN 'run' ELSE 'cancel' END, 0,
        CASE WHEN k < 85 THEN NULL WHEN k < 90 THEN c + 8 WHEN k < 95 THEN c + 16
          ELSE c + 60000 END,
        CASE WHEN k < 85 THEN c WHEN k < 90 THEN c + 8 WHEN k < 95 THEN c + 16 ELSE c + 60000 END,
        CASE WHEN k < 85 THEN 1 WHEN k < 90 THEN 2 WHEN k < 95 THEN 3 ELSE 0 END, 0, 3,
        '${BACKOFF}', NULL, NULL, NULL, '{"kind":"function"}', '{}', '[]', '{}', 0, 0, '{}',
        NULL, NULL, NULL, NULL, CASE WHEN k < 95 THEN w END,
        CASE WHEN k < 85 THEN c + 2 WHEN k < 90 THEN c + 10 WHEN k < 95 THEN c + 18 END,
        c, c + 20,
        CASE WHEN k < 85 THEN c + 3 WHEN k < 90 THEN c + 11 WHEN k < 95 THEN c + 19 END,
        c + 20, NULL, NULL, NULL, CASE WHEN k >= 90 AND k < 95 THEN '${ERROR}' END, NULL,
        CASE WHEN k < 85 THEN 4 WHEN k < 90 THEN 7 WHEN k < 95 THEN 10 ELSE 2 END,
        'never', NULL, '{}', NULL
      FROM seed ORDER BY i`);
    db.exec(`INSERT INTO attempts (task_id, attempt, worker_id, outcome, started_at, finished_at,
        error)
      SELECT id, a.n, w,
        CASE WHEN k < 85 OR (k < 90 AND a.n = 2) THEN 'succeeded' ELSE 'failed' END,
        c + 8 * a.n - 5, c + 8 * a.n - 3,
        CASE WHEN k < 85 OR (k < 90 AND a.n = 2) THEN NULL ELSE '${ERROR}' END
      FROM seed JOIN (SELECT 1 AS n UNION ALL SELECT 2 UNION ALL SELECT 3) a
        ON a.n <= CASE WHEN k < 85 THEN 1 WHEN k < 90 THEN 2 WHEN k < 95 THEN 3 ELSE 0 END
      ORDER BY i, a.n`);
    db.exec(`INSERT INTO task_events (task_id, at, kind, attempt, from_state, to_state, actor,
        detail)
      SELECT id, at, kind, attempt, from_state, to_state, actor, detail FROM (
        SELECT i, 0 AS o, id, c AS at, 'submitted' AS kind, 0 AS attempt, NULL AS from_state,
          CASE WHEN k < 95 THEN 'ready' ELSE 'pending' END AS to_state, 'anonymous' AS actor,
          NULL AS detail FROM seed
        UNION ALL
        SELECT i, 2 * a.n - 1, id, c + 8 * a.n - 6, 'assigned', a.n, 'ready', 'assigned', NULL,
          '{"workerId":"' || w || '","leaderToken":1}'
        FROM seed JOIN (SELECT 1 AS n UNION ALL SELECT 2 UNION ALL SELECT 3) a
          ON a.n <= CASE WHEN k < 85 THEN 1 WHEN k < 90 THEN 2 WHEN k < 95 THEN 3 ELSE 0 END
        UNION ALL
        SELECT i, 2 * a.n, id, c + 8 * a.n - 3,
          CASE WHEN k < 85 OR (k < 90 AND a.n = 2) THEN 'succeeded' ELSE 'failed' END, a.n,
          'running',
          CASE WHEN k < 85 OR (k < 90 AND a.n = 2) THEN 'succeeded'
            WHEN k < 90 OR a.n < 3 THEN 'pending' ELSE 'failed' END, NULL,
          CASE WHEN k < 85 OR (k < 90 AND a.n = 2) THEN '{"workerId":"' || w || '"}'
            ELSE '{"workerId":"' || w || '","error":${ERROR}}' END
        FROM seed JOIN (SELECT 1 AS n UNION ALL SELECT 2 UNION ALL SELECT 3) a
          ON a.n <= CASE WHEN k < 85 THEN 1 WHEN k < 90 THEN 2 WHEN k < 95 THEN 3 ELSE 0 END
        UNION ALL
        SELECT i, 1, id, c + 20, 'cancel', 0, 'pending', 'cancelled', 'anonymous',
          '{"action":"cancel","want":"cancel"}'
        FROM seed WHERE k >= 95
      ) ORDER BY i, o`);
    db.exec(`INSERT INTO queues (name) SELECT DISTINCT q FROM seed WHERE true
      ON CONFLICT (name) DO NOTHING`);
    db.exec('DROP TABLE seed');
  })();
  const count = (t) => db.prepare(`SELECT count(*) AS n FROM ${t}`).get().n;
  const rows = { tasks: count('tasks'), attempts: count('attempts'), events: count('task_events') };
  db.pragma('wal_checkpoint(TRUNCATE)');
  db.close();
  return rows;
}

/** Seed `n` finished tasks into the Postgres database at `url` (the server stopped). */
export async function seedPostgres(url, n, base) {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const q = `CASE s.i % ${QUEUES.length} ${QUEUES.map((name, j) => `WHEN ${j} THEN '${name}'`).join(' ')} END`;
    await client.query('BEGIN');
    await client.query(`CREATE TEMP TABLE seed ON COMMIT DROP AS
      SELECT i, i % 100 AS k, ${base}::bigint + i * ${SEED_STEP_MS} AS c,
        '00SEED' || lpad(i::text, 20, '0') AS id,
        'seed-worker-' || (i % ${WORKERS}) AS w, ${q} AS q
      FROM generate_series(1, ${n}) AS s(i)`);
    await client.query(`INSERT INTO tasks (id, queue, type, state, want, priority, run_at, due_at,
        attempt, attempt_base, max_attempts, backoff, timeout_ms, idempotency_key,
        concurrency_key, executor, selector, tolerations, resources, res_cpu, res_memory_mb,
        labels, workflow_id, step_id, schedule_id, fire_at, worker_id, assigned_at, created_at,
        updated_at, started_at, finished_at, deadline_at, payload, result, error, progress,
        version, restart, parent_id, flow, trace)
      SELECT id, q, 'chronoq.noop',
        CASE WHEN k < 90 THEN 'succeeded' WHEN k < 95 THEN 'failed' ELSE 'cancelled' END,
        CASE WHEN k < 95 THEN 'run' ELSE 'cancel' END, 0,
        CASE WHEN k < 85 THEN NULL WHEN k < 90 THEN c + 8 WHEN k < 95 THEN c + 16
          ELSE c + 60000 END,
        CASE WHEN k < 85 THEN c WHEN k < 90 THEN c + 8 WHEN k < 95 THEN c + 16 ELSE c + 60000 END,
        CASE WHEN k < 85 THEN 1 WHEN k < 90 THEN 2 WHEN k < 95 THEN 3 ELSE 0 END, 0, 3,
        '${BACKOFF}'::jsonb, NULL, NULL, NULL, '{"kind":"function"}'::jsonb, '{}'::jsonb,
        '[]'::jsonb, '{}'::jsonb, 0, 0, '{}'::jsonb,
        NULL, NULL, NULL, NULL, CASE WHEN k < 95 THEN w END,
        CASE WHEN k < 85 THEN c + 2 WHEN k < 90 THEN c + 10 WHEN k < 95 THEN c + 18 END,
        c, c + 20,
        CASE WHEN k < 85 THEN c + 3 WHEN k < 90 THEN c + 11 WHEN k < 95 THEN c + 19 END,
        c + 20, NULL, NULL, NULL, CASE WHEN k >= 90 AND k < 95 THEN '${ERROR}'::jsonb END, NULL,
        CASE WHEN k < 85 THEN 4 WHEN k < 90 THEN 7 WHEN k < 95 THEN 10 ELSE 2 END,
        'never', NULL, '{}'::jsonb, NULL
      FROM seed ORDER BY i`);
    const attemptsOf = `CASE WHEN k < 85 THEN 1 WHEN k < 90 THEN 2 WHEN k < 95 THEN 3 ELSE 0 END`;
    const ok = `(k < 85 OR (k < 90 AND a.n = 2))`;
    await client.query(`INSERT INTO attempts (task_id, attempt, worker_id, outcome, started_at,
        finished_at, error)
      SELECT id, a.n, w, CASE WHEN ${ok} THEN 'succeeded' ELSE 'failed' END,
        c + 8 * a.n - 5, c + 8 * a.n - 3,
        CASE WHEN ${ok} THEN NULL ELSE '${ERROR}'::jsonb END
      FROM seed JOIN generate_series(1, 3) AS a(n) ON a.n <= ${attemptsOf}
      ORDER BY i, a.n`);
    await client.query(`INSERT INTO task_events (task_id, at, kind, attempt, from_state, to_state,
        actor, detail)
      SELECT id, at, kind, attempt, from_state, to_state, actor, detail FROM (
        SELECT i, 0 AS o, id, c AS at, 'submitted' AS kind, 0 AS attempt,
          NULL::text AS from_state,
          CASE WHEN k < 95 THEN 'ready' ELSE 'pending' END AS to_state,
          'anonymous' AS actor, NULL::jsonb AS detail FROM seed
        UNION ALL
        SELECT i, 2 * a.n - 1, id, c + 8 * a.n - 6, 'assigned', a.n, 'ready', 'assigned', NULL,
          jsonb_build_object('workerId', w, 'leaderToken', 1)
        FROM seed JOIN generate_series(1, 3) AS a(n) ON a.n <= ${attemptsOf}
        UNION ALL
        SELECT i, 2 * a.n, id, c + 8 * a.n - 3,
          CASE WHEN ${ok} THEN 'succeeded' ELSE 'failed' END, a.n, 'running',
          CASE WHEN ${ok} THEN 'succeeded' WHEN k < 90 OR a.n < 3 THEN 'pending'
            ELSE 'failed' END, NULL,
          CASE WHEN ${ok} THEN jsonb_build_object('workerId', w)
            ELSE jsonb_build_object('workerId', w, 'error', '${ERROR}'::jsonb) END
        FROM seed JOIN generate_series(1, 3) AS a(n) ON a.n <= ${attemptsOf}
        UNION ALL
        SELECT i, 1, id, c + 20, 'cancel', 0, 'pending', 'cancelled', 'anonymous',
          '{"action":"cancel","want":"cancel"}'::jsonb
        FROM seed WHERE k >= 95
      ) e ORDER BY i, o`);
    await client.query(`INSERT INTO queues (name) SELECT DISTINCT q FROM seed
      ON CONFLICT (name) DO NOTHING`);
    await client.query('COMMIT');
    // What autovacuum does to rows hours old: statistics, and the visibility map.
    await client.query('VACUUM ANALYZE tasks, attempts, task_events, queues');
    const count = async (t) =>
      Number((await client.query(`SELECT count(*) AS n FROM ${t}`)).rows[0].n);
    return {
      tasks: await count('tasks'),
      attempts: await count('attempts'),
      events: await count('task_events'),
    };
  } finally {
    await client.end();
  }
}

// -- Processes ---------------------------------------------------------------------------------

function startServer(db, extraArgs = []) {
  return spawnChronoq(
    'server',
    [
      ...['--db', db, '--host', '127.0.0.1', '--port', '0', '--log-level', 'warn'],
      ...['--retention', '7d', '--handlers', BENCH_HANDLERS],
      ...extraArgs,
    ],
    {
      ready: /listening on (http:\/\/127\.0\.0\.1:\d+)/,
      readyTimeoutMs: 120_000,
      label: 'chronoq server',
    },
  ).then((s) => Object.assign(s, { base: s.match[1] }));
}

/** Start the server on `db` once so that it migrates the store, then stop it. */
async function migrateOnce(db, extraArgs) {
  const s = await startServer(db, extraArgs);
  await s.stop(20_000);
}

// -- Measurements ------------------------------------------------------------------------------

const doneOf = (counts) => (counts.succeeded ?? 0) + (counts.failed ?? 0) + (counts.cancelled ?? 0);

async function queueDone(request, queue) {
  const q = await request('GET', `/api/v1/queues/${queue}`);
  return doneOf(q.counts);
}

/** Wait until `lastId` is terminal, then until `queue` has `target` tasks done. */
async function untilDone(request, queue, target, lastId, deadline) {
  while (lastId && performance.now() < deadline) {
    try {
      await request('GET', `/api/v1/tasks/${lastId}/wait?timeoutMs=30000`);
      break;
    } catch (err) {
      if (!/ → 408 /.test(err?.message ?? '')) throw err;
    }
  }
  for (;;) {
    const done = await queueDone(request, queue);
    if (done >= target) return;
    if (performance.now() > deadline)
      throw new Error(`queue ${queue}: ${done}/${target} done in time`);
    await sleep(20);
  }
}

/** `n` noop tasks into the paused queue `proc`, released: tasks/s until every one is done. */
async function processing(request, n) {
  const queue = 'proc';
  await request('POST', `/api/v1/queues/${queue}/pause`);
  const before = await queueDone(request, queue); // the seeded history of the queue
  let lastId;
  for (let i = 0; i < n; i += 1000) {
    const tasks = Array.from({ length: Math.min(1000, n - i) }, () => ({
      type: 'chronoq.noop',
      queue,
    }));
    const res = await request('POST', '/api/v1/tasks/batch', { tasks });
    lastId = res.tasks[res.tasks.length - 1].id;
  }
  const t0 = performance.now();
  await request('POST', `/api/v1/queues/${queue}/resume`);
  await untilDone(request, queue, before + n, lastId, t0 + DEADLINE_MS);
  const seconds = (performance.now() - t0) / 1000;
  return { perSec: Math.round(n / seconds), seconds: Number(seconds.toFixed(2)) };
}

/** Open loop at `rate`/s for `seconds`: submit→start of `bench.stamp` tasks in queue `lat`. */
async function latency(request, rate, seconds) {
  const queue = 'lat';
  const n = Math.round(rate * seconds);
  const before = await queueDone(request, queue);
  const t0 = performance.now();
  const sends = [];
  for (let i = 0; i < n; i++) {
    const wait = t0 + (i * 1000) / rate - performance.now();
    if (wait > 1) await sleep(wait);
    sends.push(
      request('POST', '/api/v1/tasks', { type: 'bench.stamp', queue, payload: { t: now() } }),
    );
  }
  const ids = (await Promise.all(sends)).map((t) => t.id);
  const sendSeconds = (performance.now() - t0) / 1000;
  await untilDone(request, queue, before + n, ids[n - 1], performance.now() + DEADLINE_MS);
  // Newest first: the run's tasks come before the queue's (older) seeded history.
  const mine = new Set(ids);
  const samples = [];
  let cursor = null;
  do {
    const page = await request(
      'GET',
      `/api/v1/tasks?queue=${queue}&limit=1000${cursor ? `&cursor=${cursor}` : ''}`,
    );
    for (const t of page.tasks)
      if (mine.has(t.id) && t.state === 'succeeded') samples.push(t.result.at - t.payload.t);
    cursor = page.nextCursor;
  } while (cursor && samples.length < n);
  if (samples.length !== n) throw new Error(`latency: ${samples.length} samples for ${n} tasks`);
  return { ...percentiles(samples), achievedRate: Math.round(n / sendSeconds) };
}

/** Median and max time (ms) of `calls` sequential GETs of `path`, after 3 warm-up calls. */
async function timeEndpoint(base, path, calls = ENDPOINT_CALLS) {
  const get = async () => {
    const t0 = performance.now();
    const res = await fetch(base + path);
    await res.arrayBuffer();
    if (!res.ok) throw new Error(`GET ${path} → ${res.status}`);
    return performance.now() - t0;
  };
  for (let i = 0; i < 3; i++) await get();
  const samples = [];
  for (let i = 0; i < calls; i++) samples.push(await get());
  samples.sort((a, b) => a - b);
  const r = (x) => Math.round(x * 100) / 100;
  return { median: r(samples[Math.floor(samples.length / 2)]), max: r(samples.at(-1)) };
}

const ENDPOINTS = {
  queues: '/api/v1/queues',
  queue: '/api/v1/queues/proc',
  metrics: '/metrics',
  taskList: '/api/v1/tasks?limit=50',
  deadLetter: '/api/v1/tasks?state=failed&limit=50',
};

async function endpoints(base) {
  const out = {};
  for (const [name, path] of Object.entries(ENDPOINTS)) out[name] = await timeEndpoint(base, path);
  return out;
}

/** The measurements of one store (empty or seeded) through a running server. */
async function measure(server) {
  const request = makeClient(server.base);
  const out = {};
  out.endpointsMs = await endpoints(server.base); // before the workloads add their tasks
  // Best of REPEAT: the machine is shared, and a run disturbed by another load says nothing
  // about the store. Every run is kept in the JSON.
  out.processRuns = [];
  out.latencyRuns = [];
  for (let i = 0; i < REPEAT; i++) {
    out.processRuns.push(await processing(request, TASKS));
    out.latencyRuns.push(await latency(request, RATE, SECONDS));
  }
  out.process = out.processRuns.reduce((a, b) => (b.perSec > a.perSec ? b : a));
  out.latencyMs = out.latencyRuns.reduce((a, b) => (b.p99 < a.p99 ? b : a));
  out.endpointsAfterMs = await endpoints(server.base);
  return out;
}

// -- Modes -------------------------------------------------------------------------------------

async function embeddedRun(finished) {
  const dir = mkdtempSync(join(tmpdir(), 'chronoq-scale-'));
  const file = join(dir, 'scale.db');
  const db = `sqlite:${file}`;
  const extra = ['--concurrency', '50', '--prefetch', '50'];
  const out = { finished };
  try {
    if (finished > 0) {
      await migrateOnce(db, extra);
      const t0 = performance.now();
      out.seeded = seedSqlite(file, finished, Date.now() - finished * SEED_STEP_MS - 60_000);
      out.seedSeconds = Number(((performance.now() - t0) / 1000).toFixed(1));
      log(`embedded: seeded ${JSON.stringify(out.seeded)} in ${out.seedSeconds} s`);
    }
    const t1 = performance.now();
    const server = await startServer(db, extra);
    out.startSeconds = Number(((performance.now() - t1) / 1000).toFixed(2));
    try {
      Object.assign(out, await measure(server));
    } finally {
      await server.stop(20_000);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  return out;
}

async function clusterRun(pgUrl, finished) {
  const database = await createDatabase(pgUrl);
  const out = { finished };
  let server;
  let worker;
  try {
    if (finished > 0) {
      await migrateOnce(database.url, ['--no-worker']);
      const t0 = performance.now();
      out.seeded = await seedPostgres(
        database.url,
        finished,
        Date.now() - finished * SEED_STEP_MS - 60_000,
      );
      out.seedSeconds = Number(((performance.now() - t0) / 1000).toFixed(1));
      log(`cluster: seeded ${JSON.stringify(out.seeded)} in ${out.seedSeconds} s`);
    }
    const t1 = performance.now();
    server = await startServer(database.url, ['--no-worker']);
    out.startSeconds = Number(((performance.now() - t1) / 1000).toFixed(2));
    worker = await startWorkerProcess({
      url: server.base,
      id: 'scale-w1',
      concurrency: 50,
      prefetch: 50,
      extraArgs: ['--handlers', BENCH_HANDLERS],
    });
    await untilWorkersLive(makeClient(server.base), 1);
    Object.assign(out, await measure(server));
  } finally {
    if (worker) await worker.stop(10_000);
    if (server) await server.stop(20_000);
    await database.drop().catch((err) => log(`could not drop ${database.name}: ${err.message}`));
  }
  return out;
}

// -- Report ------------------------------------------------------------------------------------

const fmtN = (x) => (typeof x === 'number' ? x.toLocaleString('en-US') : String(x));
const ratio = (a, b) => (a && b !== undefined ? (b / a).toFixed(2) : 'n/a');
const lat = (l) => `${l.p50} / ${l.p95} / ${l.p99} / ${l.max}`;

function table(results) {
  const head = `| | empty | ${fmtN(FINISHED)} finished | ratio (full ÷ empty) |`;
  const lines = [];
  for (const [label, r] of Object.entries(results)) {
    if (!r || r.skipped || r.error) {
      lines.push(
        `| **${label}** | ${r?.skipped ? `skipped: ${r.reason}` : `FAILED: ${r?.error}`} | | |`,
      );
      continue;
    }
    const { empty: e, full: f } = r;
    lines.push(`| **${label}** | | | |`);
    lines.push(
      `| process ${fmtN(TASKS)} noop tasks, concurrency 50 (tasks/s) | ${fmtN(e.process.perSec)} | ${fmtN(f.process.perSec)} | ${ratio(e.process.perSec, f.process.perSec)} |`,
    );
    lines.push(
      `| submit→start at ${RATE}/s, p50 / p95 / p99 / max (ms) | ${lat(e.latencyMs)} | ${lat(f.latencyMs)} | p99 ${ratio(e.latencyMs.p99, f.latencyMs.p99)} |`,
    );
    for (const [name, path] of Object.entries(ENDPOINTS)) {
      const a = e.endpointsMs[name].median;
      const b = f.endpointsMs[name].median;
      lines.push(`| GET ${path}, median (ms) | ${a} | ${b} | ${ratio(a, b)} |`);
    }
    lines.push(`| server start, migrated store (s) | ${e.startSeconds} | ${f.startSeconds} | |`);
  }
  return [head, '|---|---:|---:|---:|', ...lines].join('\n');
}

// -- Main --------------------------------------------------------------------------------------

if (import.meta.url === pathToFileURL(process.argv[1]).href) await main();

async function main() {
  const t0 = performance.now();
  const results = {};
  const combined = {
    startedAt: new Date().toISOString(),
    node: process.version,
    finished: FINISHED,
    tasks: TASKS,
    rate: RATE,
    seconds: SECONDS,
    repeat: REPEAT,
    results,
  };
  let failed = false;
  if (MODE === 'embedded' || MODE === 'all') {
    const label = 'embedded (SQLite), local pool of 50, prefetch 50';
    try {
      log('embedded: empty store');
      const empty = await embeddedRun(0);
      log(`embedded: ${fmtN(FINISHED)} finished tasks`);
      const full = await embeddedRun(FINISHED);
      results[label] = { empty, full };
    } catch (err) {
      failed = true;
      results[label] = { error: err?.stack ?? String(err) };
    }
  }
  if (MODE === 'cluster' || MODE === 'all') {
    const label = 'Postgres, 1 remote worker × 50, prefetch 50';
    const pgInfo = await findPostgres();
    if (!pgInfo.available) {
      results[label] = { skipped: true, reason: `no Postgres at ${redact(pgInfo.url)}` };
    } else {
      combined.postgres = pgInfo.version;
      try {
        log('cluster: empty store');
        const empty = await clusterRun(pgInfo.url, 0);
        log(`cluster: ${fmtN(FINISHED)} finished tasks`);
        const full = await clusterRun(pgInfo.url, FINISHED);
        results[label] = { empty, full };
      } catch (err) {
        failed = true;
        results[label] = { error: err?.stack ?? String(err) };
      }
    }
  }
  combined.seconds = Number(((performance.now() - t0) / 1000).toFixed(1));
  const md = table(results);
  console.log(`\n${md}\n`);
  console.log(`${combined.seconds} s in all`);
  const out = arg('--out');
  if (out) writeFileSync(out, JSON.stringify(combined, null, 2) + '\n');
  const mdOut = arg('--md');
  if (mdOut) writeFileSync(mdOut, md + '\n');
  process.exit(failed ? 1 : 0);
}
