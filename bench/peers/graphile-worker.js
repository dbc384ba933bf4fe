// graphile-worker (Postgres) as a system of bench/workloads.js: the bench process is the producer
// (WorkerUtils), the worker runs in its own process (./graphile-worker-worker.js), on a fresh
// database dropped afterwards. Enqueued-only jobs use task identifiers no worker knows.
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { makeWorkerUtils } from 'graphile-worker';
import { createDatabase } from '../postgres.js';
import { forkWorker } from './fork-worker.js';
import { quietLogger } from './graphile-logger.js';
import { graphilePool } from './graphile-pool.js';
import { peerSystem } from './peer-system.js';

const here = dirname(fileURLToPath(import.meta.url));
const HOUR = 3_600_000;
const WORKED = 'work';

export async function startGraphileWorker({ pgUrl }) {
  const db = await createDatabase(pgUrl);
  // Our own pool (default size, 10), ended and awaited before the database is dropped: the pool
  // WorkerUtils would make is ended without being awaited.
  const pgPool = graphilePool(db.url, 10, 'graphile-worker producer pool');
  let utils;
  let worker;
  try {
    utils = await makeWorkerUtils({ pgPool, logger: quietLogger });
    await utils.migrate();
    worker = await forkWorker(join(here, 'graphile-worker-worker.js'), {
      env: { BENCH_DATABASE_URL: db.url, BENCH_TASK: WORKED },
      label: 'graphile-worker worker',
    });
  } catch (err) {
    await utils?.release().catch(() => undefined);
    await pgPool.end().catch(() => undefined);
    await db.drop().catch(() => undefined);
    throw err;
  }
  const jobs = (identifier, n, runAt) =>
    Array.from({ length: n }, () => ({ identifier, payload: {}, runAt }));
  const peer = {
    enqueue: (q) => utils.addJob(q, {}, { runAt: new Date(Date.now() + HOUR) }),
    enqueueBatch: (q, n) => utils.addJobs(jobs(q, n, new Date(Date.now() + HOUR))),
    async fill(n) {
      for (let i = 0; i < n; i += 1000) await utils.addJobs(jobs(WORKED, Math.min(1000, n - i)));
    },
    submit: (data) => utils.addJob(WORKED, data),
    remaining: () =>
      utils.withPgClient(async (c) => {
        const r = await c.query(
          'SELECT count(*)::int AS n FROM graphile_worker.jobs WHERE task_identifier = $1',
          [WORKED],
        );
        return r.rows[0].n;
      }),
  };
  return {
    system: peerSystem(worker, peer),
    workerPids: [worker.pid],
    async stop() {
      await worker.stop();
      await utils.release();
      await pgPool.end();
      await db.drop();
    },
  };
}
