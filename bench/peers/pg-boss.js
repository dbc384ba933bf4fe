// pg-boss (Postgres) as a system of bench/workloads.js: the bench process is the producer, the
// worker runs in its own process (./pg-boss-worker.js), on a fresh database dropped afterwards.
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import PgBoss from 'pg-boss';
import { createDatabase } from '../postgres.js';
import { forkWorker } from './fork-worker.js';
import { peerSystem } from './peer-system.js';

const here = dirname(fileURLToPath(import.meta.url));
const HOUR_S = 3600;
const WORKED = 'work';

export async function startPgBoss({ pgUrl }) {
  const db = await createDatabase(pgUrl);
  // The producer: no maintenance or cron of its own (the worker process's instance does those).
  const boss = new PgBoss({ connectionString: db.url, supervise: false, schedule: false });
  boss.on('error', (err) => console.error(`pg-boss (producer): ${err.message}`));
  let worker;
  const created = new Map();
  const ensure = (q) => {
    if (!created.has(q)) created.set(q, boss.createQueue(q));
    return created.get(q);
  };
  try {
    await boss.start(); // installs the schema
    // One at a time: creating queues (partitions) concurrently can deadlock.
    for (const q of [WORKED, 'enq1', 'enq50', 'enqbatch']) await ensure(q);
    worker = await forkWorker(join(here, 'pg-boss-worker.js'), {
      env: { BENCH_DATABASE_URL: db.url, BENCH_QUEUE: WORKED },
      label: 'pg-boss worker',
    });
  } catch (err) {
    await boss.stop({ graceful: false, wait: true }).catch(() => undefined);
    await db.drop().catch(() => undefined);
    throw err;
  }
  const later = () => new Date(Date.now() + HOUR_S * 1000);
  const peer = {
    enqueue: async (q) => {
      await ensure(q);
      await boss.send(q, {}, { startAfter: HOUR_S });
    },
    enqueueBatch: async (q, n) => {
      await ensure(q);
      const startAfter = later();
      await boss.insert(Array.from({ length: n }, () => ({ name: q, data: {}, startAfter })));
    },
    async fill(n) {
      for (let i = 0; i < n; i += 1000)
        await boss.insert(Array.from({ length: Math.min(1000, n - i) }, () => ({ name: WORKED })));
    },
    submit: (data) => boss.send(WORKED, data),
    remaining: () => boss.getQueueSize(WORKED, { before: 'completed' }),
  };
  return {
    system: peerSystem(worker, peer),
    workerPids: [worker.pid],
    async stop() {
      await worker.stop();
      await boss.stop({ graceful: false, wait: true });
      await db.drop();
    },
  };
}
