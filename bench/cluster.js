// Cluster mode: one `chronoq server --db postgres://… --no-worker` replica plus 1, 2 or 4 remote
// `chronoq worker` processes, all child processes on loopback, each configuration on a fresh
// database. Worker concurrency is split so that the total is always 50 slots (as in embedded
// mode): 1×50, 2×25, 4×(13+13+12+12).
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { fillPaused, listQueue, untilQueueDone, untilWorkersLive } from './chronoq-api.js';
import { makeClient } from './http.js';
import { snapshot, spent } from './cpu.js';
import {
  backendPids,
  createDatabase,
  databaseStats,
  findPostgres,
  redact,
  scanStats,
} from './postgres.js';
import { startClusterServerProcess } from './server-process.js';
import { startWorkerProcess } from './worker-process.js';

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const pct = (sorted, p) =>
  sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];

/** `total` slots over `n` workers, as evenly as possible: split(50, 4) = [13, 13, 12, 12]. */
export function split(total, n) {
  return Array.from({ length: n }, (_, i) => Math.floor(total / n) + (i < total % n ? 1 : 0));
}

async function processing(request, n, deadlineMs, probe) {
  const queue = 'proc';
  const s0 = performance.now();
  const lastId = await fillPaused(request, queue, n);
  const submitSeconds = (performance.now() - s0) / 1000;
  const before = await probe(); // outside the timed window
  const t0 = performance.now();
  await request('POST', `/api/v1/queues/${queue}/resume`);
  const counts = await untilQueueDone(request, queue, n, lastId, t0 + deadlineMs);
  const seconds = (performance.now() - t0) / 1000;
  const after = await probe();
  const cpu = (who) => {
    const ms = spent(before[who], after[who]);
    return ms === null ? null : Math.round(ms);
  };
  const cpuMs = { server: cpu('server'), workers: cpu('workers'), postgresBackends: cpu('pg') };
  return {
    // CPU time spent while processing (Linux /proc): the server process, all worker processes,
    // and the Postgres backends connected to the bench database (not WAL writer/checkpointer).
    processCpuMs: cpuMs,
    processCpuCores: Object.fromEntries(
      Object.entries(cpuMs).map(([k, v]) => [
        k,
        v === null ? null : Number((v / 1000 / seconds).toFixed(2)),
      ]),
    ),
    processNoopPerSec: Math.round(n / seconds),
    processSeconds: Number(seconds.toFixed(2)),
    submitBatch1000PerSec: Math.round(n / submitSeconds),
    succeeded: counts.succeeded ?? 0,
    failed: counts.failed ?? 0,
  };
}

async function latency(request, rate, seconds, deadlineMs) {
  const queue = 'lat';
  const n = rate * seconds;
  const ids = [];
  const t0 = performance.now();
  const sends = [];
  for (let i = 0; i < n; i++) {
    const due = t0 + (i * 1000) / rate;
    const wait = due - performance.now();
    if (wait > 1) await sleep(wait);
    sends.push(
      request('POST', '/api/v1/tasks', { type: 'chronoq.noop', queue }).then(
        (t) => (ids[i] = t.id),
      ),
    );
  }
  await Promise.all(sends);
  const sendSeconds = (performance.now() - t0) / 1000;
  await untilQueueDone(request, queue, n, ids[n - 1], performance.now() + deadlineMs);
  const lat = [];
  const perWorker = {};
  for (const t of await listQueue(request, queue, n + 2000)) {
    lat.push(Date.parse(t.startedAt) - Date.parse(t.createdAt));
    perWorker[t.workerId] = (perWorker[t.workerId] ?? 0) + 1;
  }
  lat.sort((a, b) => a - b);
  return {
    p50: pct(lat, 50),
    p95: pct(lat, 95),
    p99: pct(lat, 99),
    max: lat[lat.length - 1],
    n: lat.length,
    offeredRate: rate,
    achievedSubmitRate: Math.round(n / sendSeconds),
    tasksPerWorker: perWorker,
  };
}

/** One configuration: a fresh database, one server replica, `nWorkers` worker processes. */
async function runConfiguration(pgUrl, nWorkers, opts) {
  const { tasks, rate, seconds, only, profileDir, deadlineMs } = opts;
  const concurrencies = split(50, nWorkers);
  const out = { workers: nWorkers, workerConcurrency: concurrencies };
  const prof = (who) => {
    if (!profileDir) return undefined;
    const dir = join(profileDir, `cluster-${nWorkers}w-${who}`);
    mkdirSync(dir, { recursive: true });
    return dir;
  };
  const db = await createDatabase(pgUrl);
  out.database = db.name;
  let server;
  const workers = [];
  try {
    server = await startClusterServerProcess({ db: db.url, profileDir: prof('server') });
    out.serverPid = server.pid;
    const started = await Promise.allSettled(
      concurrencies.map((c, i) =>
        startWorkerProcess({
          url: server.base,
          id: `bench-w${i + 1}`,
          concurrency: c,
          prefetch: opts.prefetch ?? 0,
          profileDir: prof(`worker${i + 1}`),
        }),
      ),
    );
    for (const s of started) if (s.status === 'fulfilled') workers.push(s.value);
    const failed = started.find((s) => s.status === 'rejected');
    if (failed) throw failed.reason;
    const request = makeClient(server.base);
    await untilWorkersLive(request, nWorkers);
    const workerPids = workers.map((w) => w.pid);
    const probe = async () => ({
      server: snapshot([server.pid]),
      workers: snapshot(workerPids),
      pg: snapshot(await backendPids(pgUrl, db.name)),
    });
    if (!only || only === 'process')
      Object.assign(out, await processing(request, tasks, deadlineMs, probe));
    if (!only || only === 'latency')
      out.latencyMs = await latency(request, rate, seconds, deadlineMs);
  } finally {
    // Workers first (nothing is running any more), then the server, then the database.
    await Promise.all(workers.map((w) => w.stop(10_000)));
    if (server) await server.stop(20_000);
    // Counters of the whole configuration (processing and latency), once every client is gone.
    try {
      const st = await databaseStats(pgUrl, db.name);
      const done = (out.succeeded ?? 0) + (out.latencyMs?.n ?? 0);
      out.postgresStats = { ...st, tasks: done };
      if (done) {
        out.postgresStats.commitsPerTask = Number((st.xact_commit / done).toFixed(2));
        out.postgresStats.tuplesReadPerTask = Math.round((st.tup_returned + st.tup_fetched) / done);
      }
      out.postgresStats.scans = await scanStats(db.url);
    } catch (err) {
      out.postgresStats = { error: err.message };
    }
    await db
      .drop()
      .catch((err) => console.error(`bench: could not drop ${db.name}: ${err.message}`));
  }
  return out;
}

/**
 * Options: tasks, rate, seconds, workers ([1, 2, 4]), only (process|latency), profileDir,
 * deadlineMs (per phase). Returns `{ results, title, rows }`; when no Postgres answers,
 * `results.skipped` says why and there are no rows.
 */
export async function runCluster({
  tasks = 20000,
  rate = 200,
  seconds = 5,
  workers = [1, 2, 4],
  only,
  prefetch = 0,
  profileDir,
  deadlineMs = 120_000,
} = {}) {
  const pg = await findPostgres();
  const results = {
    mode: 'cluster-postgres',
    node: process.version,
    tasks,
    prefetch,
    postgres: { url: redact(pg.url), source: pg.source },
  };
  if (!pg.available) {
    results.skipped = true;
    results.postgres.reason = pg.reason;
    return {
      results,
      title: `Chronoq cluster (Postgres): SKIPPED, Postgres not available at ${redact(pg.url)} (${pg.source}): ${pg.reason}`,
      rows: [],
    };
  }
  results.postgres.version = pg.version;
  results.runs = [];
  for (const n of workers)
    results.runs.push(
      await runConfiguration(pg.url, n, {
        tasks,
        rate,
        seconds,
        only,
        prefetch,
        profileDir,
        deadlineMs,
      }),
    );

  const rows = [];
  for (const r of results.runs) {
    const who = `${r.workers} worker${r.workers > 1 ? 's' : ''} × ${[...new Set(r.workerConcurrency)].join('/')}`;
    if (r.processNoopPerSec !== undefined) {
      rows.push([`${who}: submit ${tasks} in batches of 1000 (tasks/s)`, r.submitBatch1000PerSec]);
      rows.push([
        `${who}: process ${tasks} noop tasks, concurrency 50 (tasks/s)`,
        `${r.processNoopPerSec}${r.failed ? ` (${r.failed} FAILED)` : ''}`,
      ]);
    }
    if (r.latencyMs) {
      const l = r.latencyMs;
      rows.push([
        `${who}: submit→start p50 / p95 / p99 / max at ${rate}/s (ms)`,
        `${l.p50} / ${l.p95} / ${l.p99} / ${l.max}`,
      ]);
    }
  }
  return {
    results,
    title: `Chronoq cluster (Postgres ${pg.version}, 1 server replica --no-worker + remote workers, prefetch ${prefetch}), ${process.version}`,
    rows,
  };
}
