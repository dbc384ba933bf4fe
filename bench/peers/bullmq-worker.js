// The BullMQ worker process of `npm run bench:peers` (see ./bullmq.js and ./settings.js).
import { Worker } from 'bullmq';
import { redisOptions } from './redis-url.js';
import { bullmq as settings } from './settings.js';
import { jobStarted, serve } from './worker-child.js';

const { BENCH_REDIS_URL, BENCH_PREFIX, BENCH_QUEUE } = process.env;
let worker;

await serve({
  async init() {
    worker = new Worker(BENCH_QUEUE, async (job) => void jobStarted(job.data), {
      connection: { ...redisOptions(BENCH_REDIS_URL), ...settings.connection },
      prefix: BENCH_PREFIX,
      autorun: false,
      ...settings.worker,
    });
    worker.on('error', (err) => console.error(`bullmq worker: ${err.message}`));
    await worker.waitUntilReady();
  },
  async start() {
    worker.run().catch((err) => console.error(`bullmq worker: ${err.stack}`));
  },
  stop: () => worker.close(),
});
