// Embedded mode: one `chronoq server` on SQLite with its local worker pool (concurrency 50),
// driven through its HTTP API as a user would. Enqueue and processing are the shared workloads of
// bench/workloads.js; latency here is the server's own createdAt→startedAt.
import { listQueue, untilQueueDone } from './chronoq-api.js';
import { chronoqSystem } from './chronoq-system.js';
import { makeClient } from './http.js';
import { scheduleLateness } from './schedules.js';
import { cpuMs, mainThreadCpuMs } from './cpu.js';
import { startServerProcess } from './server-process.js';
import { enqueueBatches, enqueueConcurrent, enqueueOneByOne, processing } from './workloads.js';

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const pct = (sorted, p) =>
  sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
const DEADLINE_MS = 600_000; // a bound, far above any healthy run

async function latency(request, rate, seconds) {
  const n = rate * seconds;
  const ids = [];
  const t0 = performance.now();
  const sends = [];
  for (let i = 0; i < n; i++) {
    const due = t0 + (i * 1000) / rate;
    const wait = due - performance.now();
    if (wait > 1) await sleep(wait);
    sends.push(
      request('POST', '/api/v1/tasks', { type: 'chronoq.noop', queue: 'lat' }).then((t) =>
        ids.push(t.id),
      ),
    );
  }
  await Promise.all(sends);
  await untilQueueDone(request, 'lat', n, ids[ids.length - 1], performance.now() + DEADLINE_MS);
  const lat = (await listQueue(request, 'lat', n * 2)).map(
    (t) => Date.parse(t.startedAt) - Date.parse(t.createdAt),
  );
  lat.sort((a, b) => a - b);
  return {
    p50: pct(lat, 50),
    p95: pct(lat, 95),
    p99: pct(lat, 99),
    max: lat[lat.length - 1],
    n: lat.length,
  };
}

/**
 * Options: tasks, enqueue, rate, seconds, port, only (process|latency|enqueue|schedule),
 * profileDir.
 * Returns `{ results, title, rows }`.
 */
export async function runEmbedded({
  tasks: TOTAL = 20000,
  enqueue: ENQUEUE_N = 5000,
  rate: LATENCY_RATE = 200,
  seconds: LATENCY_SECONDS = 5,
  port: PORT = 7391,
  only,
  prefetch = 0,
  profileDir,
} = {}) {
  // profileDir: write the server's CPU profile there (open it in Chrome DevTools or speedscope).
  const server = await startServerProcess({
    port: PORT,
    concurrency: 50,
    extraArgs: ['--prefetch', String(prefetch)],
    profileDir,
  });
  const request = makeClient(server.base);
  const system = chronoqSystem(server.base);
  const results = { mode: 'embedded-sqlite', node: process.version, tasks: TOTAL, prefetch };
  try {
    // only: process|latency|enqueue|schedule runs one part (for profiling).
    if (!only || only === 'enqueue') {
      results.enqueueOneByOne = await enqueueOneByOne(system, Math.min(ENQUEUE_N, 3000));
      results.enqueueConcurrent50 = await enqueueConcurrent(system, ENQUEUE_N * 2, 50);
      results.enqueueBatch1000 = await enqueueBatches(system, ENQUEUE_N * 10, 1000);
    }
    if (!only || only === 'process') {
      const before = [cpuMs(server.pid), mainThreadCpuMs(server.pid)];
      results.processNoopPerSec = (await processing(system, TOTAL, DEADLINE_MS)).perSec;
      const after = [cpuMs(server.pid), mainThreadCpuMs(server.pid)];
      // CPU of the server per task (submit, place, run, record), all threads and the event loop's
      // alone: comparable on a busy machine.
      const perTask = (i) =>
        before[i] === null || after[i] === null
          ? undefined
          : Math.round(((after[i] - before[i]) * 1000) / TOTAL);
      results.processServerCpuUsPerTask = perTask(0);
      results.processEventLoopCpuUsPerTask = perTask(1);
    }
    if (!only || only === 'latency')
      results.latencyMs = await latency(request, LATENCY_RATE, LATENCY_SECONDS);
    if (!only || only === 'schedule')
      results.scheduleLatenessMs = await scheduleLateness(request, {
        seconds: Math.max(LATENCY_SECONDS, 10),
      });
  } finally {
    await server.stop();
  }

  const lat = results.latencyMs;
  const sl = results.scheduleLatenessMs;
  const rows = [
    ['enqueue, one by one (tasks/s)', results.enqueueOneByOne],
    ['enqueue, 50 concurrent (tasks/s)', results.enqueueConcurrent50],
    ['enqueue, batches of 1000 (tasks/s)', results.enqueueBatch1000],
    [`process ${TOTAL} noop tasks, concurrency 50 (tasks/s)`, results.processNoopPerSec],
    ['  server CPU per processed task (µs)', results.processServerCpuUsPerTask],
    ['  of which its event-loop thread (µs)', results.processEventLoopCpuUsPerTask],
    [
      `submit→start p50 / p95 / p99 / max at ${LATENCY_RATE}/s (ms)`,
      lat && `${lat.p50} / ${lat.p95} / ${lat.p99} / ${lat.max}`,
    ],
    [
      `schedule fire→start p50 / p99 / max, ${sl?.schedules} schedules, ${sl?.n} runs (ms)`,
      sl && `${sl.p50} / ${sl.p99} / ${sl.max}`,
    ],
  ].filter(([, value]) => value !== undefined); // workloads left out by --only
  return {
    results,
    title: `Chronoq embedded (SQLite, local pool of 50 slots, prefetch ${prefetch}), ${process.version}`,
    rows,
  };
}
