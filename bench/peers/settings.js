// Each peer's settings: its own documented low-latency, high-throughput configuration at a total
// concurrency of 50 jobs in flight (as Chronoq runs). The worker processes read them from here,
// and the report prints them, so what is measured and what is said are one thing.

export const CONCURRENCY = 50;

export const bullmq = {
  worker: {
    // Worker concurrency: one process, 50 jobs at a time.
    concurrency: CONCURRENCY,
    // drainDelay (default 5 s) is how long an idle worker BLOCKS on Redis waiting for the next job;
    // a new job wakes it at once, so it adds no latency: left at its default.
  },
  // Required for workers (blocking commands must not give up): https://docs.bullmq.io/guide/connections
  connection: { maxRetriesPerRequest: null },
  summary:
    'Worker `concurrency: 50`, `autorun: false` then `run()` when the timed phase starts; ' +
    'default `drainDelay` (an idle worker blocks on Redis and wakes at once on a new job, ' +
    'so it adds no latency); completed jobs kept (BullMQ default, like pg-boss and Chronoq). ' +
    'Bulk enqueue with `Queue.addBulk`.',
  docs: [
    'https://docs.bullmq.io/guide/workers/concurrency',
    'https://docs.bullmq.io/guide/queues/adding-bulks',
    'https://api.docs.bullmq.io/interfaces/v5.WorkerOptions.html',
  ],
};

export const pgBoss = {
  // pg-boss 10 has no LISTEN/NOTIFY: each work() call is one polling loop that fetches up to
  // batchSize jobs, hands them to the handler, and polls again pollingIntervalSeconds (minimum
  // 0.5 s) after its previous poll began. Concurrency 50 = 50 loops (what pg-boss 11 calls
  // `localConcurrency: 50`), each running its batch one job at a time, so at most 50 jobs run at
  // once; batchSize 20 lets each poll bring more than one job (a ceiling of 50 × 20 jobs per
  // 0.5 s = 2,000 jobs/s). The loops start 10 ms apart, so that between them the queue is polled
  // every 10 ms rather than by 50 loops at once every 500 ms.
  loops: CONCURRENCY,
  work: { batchSize: 20, pollingIntervalSeconds: 0.5 },
  staggerMs: 10,
  summary:
    '50 × `work(queue, { batchSize: 20, pollingIntervalSeconds: 0.5 }, handler)` (one polling ' +
    'loop per slot, as pg-boss 11 `localConcurrency: 50` does; each runs its batch one job at a ' +
    'time, so 50 jobs at most run at once; 0.5 s is the minimum polling interval, so the ' +
    'ceiling is 50 × 20 jobs per 0.5 s = 2,000 jobs/s), the loops started 10 ms apart so the ' +
    'queue is polled every 10 ms; pg-boss 10 has no LISTEN/NOTIFY. Default pool (`max: 10`) ' +
    'and maintenance. Bulk enqueue with `insert()`.',
  docs: [
    'https://github.com/timgit/pg-boss/tree/10.4.2/docs',
    'https://timgit.github.io/pg-boss/api/workers',
  ],
};

export const graphileWorker = {
  // The "batched mode" of https://worker.graphile.org/docs/performance (their quick-stats preset),
  // at concurrency 50.
  preset: {
    concurrentJobs: CONCURRENCY,
    maxPoolSize: CONCURRENCY + 2, // "10 or concurrentJobs + 2, whichever is larger"
    localQueue: { size: 500 },
    completeJobBatchDelay: 0,
    failJobBatchDelay: 0,
    preparedStatements: true,
    useNodeTime: true,
  },
  summary:
    '`concurrentJobs: 50`, `maxPoolSize: 52`, `localQueue: { size: 500 }`, ' +
    '`completeJobBatchDelay: 0`, `failJobBatchDelay: 0`, `preparedStatements: true`, ' +
    '`useNodeTime: true` (the batched preset of their performance page); new jobs are signalled ' +
    'by LISTEN/NOTIFY. Bulk enqueue with `addJobs()`.',
  docs: ['https://worker.graphile.org/docs/performance', 'https://worker.graphile.org/docs/config'],
};
