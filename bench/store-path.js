// `npm run bench:store`: what the embedded store alone costs per task, with no HTTP, gateway or
// worker in the way: the floor under `npm run bench -- --mode embedded`. On one SQLite file
// (the server's own pragmas: WAL, synchronous=NORMAL):
//
//   process   N tasks inserted in batches of 1,000, then the leader's and the gateway's path in a
//             loop: read the ready batch (50), assign it, report each task started and succeeded
//             (one report transaction, as the gateway's held starts write them): µs per task of
//             each step, and tasks/s
//   commit    one task submitted alone, awaited before the next (a durable commit each): µs each
//   no-ckpt   the processing loop again with SQLite's automatic WAL checkpoints off on the
//             store's connection: their share of the cost, and the WAL frames (4 KiB pages) one
//             processed task writes
//
// Flags: --tasks N (20000), --commits N (2000), --out FILE (JSON). For the profile of it:
// `node --cpu-prof --cpu-prof-dir=DIR bench/store-path.js`, then bench/profile-summary.js DIR.
import { mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SqliteStore } from '../dist/store/sqlite/index.js';
import { compileSpec } from '../dist/server/compile-spec.js';

const args = process.argv.slice(2);
const arg = (name, dflt) => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : dflt;
};
const TASKS = Number(arg('--tasks', 20000));
const COMMITS = Number(arg('--commits', 2000));
const BATCH = 50;
const WAL_FRAME_BYTES = 4096 + 24;
const random = () => 0.5;
const us = (ms, n) => Number(((ms * 1000) / n).toFixed(1));

/** A fresh store in a directory of its own; `checkpoints: false` turns auto-checkpoints off. */
async function freshStore({ checkpoints = true } = {}) {
  const dir = mkdtempSync(join(tmpdir(), 'chronoq-store-path-'));
  const path = join(dir, 'bench.db');
  const store = new SqliteStore(path);
  await store.migrate();
  // A benchmark's reach into the driver: the connection is private to it.
  if (!checkpoints) store.ctx.db.pragma('wal_autocheckpoint = 0');
  const lease = await store.leaseAcquire('leader', 'bench', 3_600_000, Date.now());
  const fence = { name: lease.name, holder: lease.holder, token: lease.token };
  const queue = await store.queueGet('bench');
  const newTask = () => compileSpec({ type: 'chronoq.noop', queue: 'bench' }, queue, Date.now());
  return {
    store,
    fence,
    newTask,
    walBytes: () => statSync(`${path}-wal`).size,
    async close() {
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

async function processing(opts) {
  const s = await freshStore(opts);
  const { store, fence } = s;
  for (let i = 0; i < TASKS; i += 1000) {
    const n = Math.min(1000, TASKS - i);
    await store.taskInsert(Array.from({ length: n }, s.newTask), Date.now());
  }
  const wal0 = s.walBytes();
  const spent = { read: 0, assign: 0, report: 0 };
  const t0 = performance.now();
  for (;;) {
    let t = performance.now();
    const ready = await store.taskReadyBatch(BATCH);
    spent.read += performance.now() - t;
    if (ready.length === 0) break;
    t = performance.now();
    const assignments = ready.map((task) => ({ taskId: task.id, workerId: 'w1' }));
    const moved = await store.taskAssign(fence, assignments, Date.now(), ready);
    spent.assign += performance.now() - t;
    t = performance.now();
    const reports = moved.flatMap((task) => [
      { kind: 'started', taskId: task.id, attempt: task.attempt },
      { kind: 'succeeded', taskId: task.id, attempt: task.attempt, result: null },
    ]);
    await store.taskReport(reports, Date.now(), random);
    spent.report += performance.now() - t;
  }
  const ms = performance.now() - t0;
  const counts = await store.taskCounts('bench');
  if (counts.get('bench')?.succeeded !== TASKS)
    throw new Error(`expected ${TASKS} succeeded, got ${JSON.stringify([...counts])}`);
  const walFrames = (s.walBytes() - wal0) / WAL_FRAME_BYTES;
  await s.close();
  return {
    perSec: Math.round((TASKS * 1000) / ms),
    usPerTask: us(ms, TASKS),
    readUs: us(spent.read, TASKS),
    assignUs: us(spent.assign, TASKS),
    reportUs: us(spent.report, TASKS),
    // Only meaningful with checkpoints off: a checkpoint lets the WAL start over.
    walFramesPerTask: opts.checkpoints === false ? Number((walFrames / TASKS).toFixed(2)) : null,
  };
}

async function loneCommits() {
  const s = await freshStore();
  for (let i = 0; i < 100; i++) await s.store.taskInsert([s.newTask()], Date.now()); // warm-up
  const t0 = performance.now();
  for (let i = 0; i < COMMITS; i++) await s.store.taskInsert([s.newTask()], Date.now());
  const ms = performance.now() - t0;
  await s.close();
  return { usPerCommit: us(ms, COMMITS) };
}

const results = {
  node: process.version,
  tasks: TASKS,
  process: await processing({ checkpoints: true }),
  commit: await loneCommits(),
  processNoCheckpoints: await processing({ checkpoints: false }),
};
const p = results.process;
const q = results.processNoCheckpoints;
const rows = [
  [`process ${TASKS} tasks, batches of ${BATCH} (tasks/s)`, p.perSec],
  [
    '  µs per task: ready read / assign / report / all',
    `${p.readUs} / ${p.assignUs} / ${p.reportUs} / ${p.usPerTask}`,
  ],
  [
    '  the same, automatic checkpoints off',
    `${q.readUs} / ${q.assignUs} / ${q.reportUs} / ${q.usPerTask}`,
  ],
  ['  WAL frames (4 KiB pages) written per processed task', q.walFramesPerTask],
  ['one task submitted alone, a commit each (µs)', results.commit.usPerCommit],
];
const w = Math.max(...rows.map((r) => r[0].length));
console.log(`\nChronoq SQLite store alone, ${process.version}\n`);
for (const [k, v] of rows) console.log(`${k.padEnd(w)}  ${v}`);
console.log(JSON.stringify(results));
const out = arg('--out');
if (out) writeFileSync(out, JSON.stringify(results, null, 2));
