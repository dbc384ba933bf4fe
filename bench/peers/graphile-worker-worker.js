// The graphile-worker worker process of `npm run bench:peers` (see ./graphile-worker.js and
// ./settings.js). Its pool is connected before the timed phase; run() starts on `start`.
import { run } from 'graphile-worker';
import pg from 'pg';
import { quietLogger } from './graphile-logger.js';
import { graphileWorker as settings } from './settings.js';
import { jobStarted, serve } from './worker-child.js';

const { BENCH_DATABASE_URL, BENCH_TASK } = process.env;
const pgPool = new pg.Pool({
  connectionString: BENCH_DATABASE_URL,
  max: settings.preset.maxPoolSize,
});
pgPool.on('error', (err) => console.error(`graphile-worker pool: ${err.message}`));
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
