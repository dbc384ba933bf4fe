// The graphile-worker worker process of `npm run bench:peers` (see ./graphile-worker.js and
// ./settings.js). Its pool is connected before the timed phase; run() starts on `start`.
import { run } from 'graphile-worker';
import { quietLogger } from './graphile-logger.js';
import { graphilePool } from './graphile-pool.js';
import { graphileWorker as settings } from './settings.js';
import { jobStarted, serve } from './worker-child.js';

const { BENCH_DATABASE_URL, BENCH_TASK } = process.env;
const pgPool = graphilePool(
  BENCH_DATABASE_URL,
  settings.preset.maxPoolSize,
  'graphile-worker pool',
);
let runner;

await serve({
  init: () => pgPool.query('SELECT 1'),
  async start() {
    runner = await run({
      pgPool,
      taskList: { [BENCH_TASK]: async (payload) => void jobStarted(payload) },
      noHandleSignals: true,
      logger: quietLogger,
      preset: { worker: { ...settings.preset } },
    });
  },
  async stop() {
    await runner?.stop();
    await pgPool.end();
  },
});
