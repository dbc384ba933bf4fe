// BullMQ (Redis) as a system of bench/workloads.js: the bench process is the producer (Queue),
// the worker runs in its own process (./bullmq-worker.js). Every key lives under a fresh random
// prefix, deleted afterwards.
import { randomBytes } from 'node:crypto';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { forkWorker } from './fork-worker.js';
import { peerSystem } from './peer-system.js';
import { redisOptions } from './redis-url.js';

const here = dirname(fileURLToPath(import.meta.url));
const HOUR = 3_600_000;
const WORKED = 'work';

async function deletePrefix(redis, prefix) {
  let cursor = '0';
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 1000);
    if (keys.length) await redis.unlink(...keys);
    cursor = next;
  } while (cursor !== '0');
}

export async function startBullmq({ redisUrl }) {
  const prefix = `chronoq-bench-${randomBytes(6).toString('hex')}`;
  const connection = new Redis({ ...redisOptions(redisUrl), maxRetriesPerRequest: null });
  const queues = new Map();
  const queue = (name) => {
    if (!queues.has(name)) queues.set(name, new Queue(name, { connection, prefix }));
    return queues.get(name);
  };
  const cleanUp = async () => {
    await Promise.all([...queues.values()].map((q) => q.close()));
    await deletePrefix(connection, prefix);
    await connection.quit();
  };
  let worker;
  try {
    worker = await forkWorker(join(here, 'bullmq-worker.js'), {
      env: { BENCH_REDIS_URL: redisUrl, BENCH_PREFIX: prefix, BENCH_QUEUE: WORKED },
      label: 'bullmq worker',
    });
  } catch (err) {
    await cleanUp();
    throw err;
  }
  const worked = queue(WORKED);
  const noops = (n, opts) => Array.from({ length: n }, () => ({ name: 'noop', data: {}, opts }));
  const peer = {
    enqueue: (q) => queue(q).add('noop', {}, { delay: HOUR }),
    enqueueBatch: (q, n) => queue(q).addBulk(noops(n, { delay: HOUR })),
    async fill(n) {
      for (let i = 0; i < n; i += 1000) await worked.addBulk(noops(Math.min(1000, n - i)));
    },
    submit: (data) => worked.add('noop', data),
    async remaining() {
      const c = await worked.getJobCounts('wait', 'active', 'delayed', 'prioritized', 'paused');
      return Object.values(c).reduce((a, b) => a + b, 0);
    },
  };
  return {
    system: peerSystem(worker, peer),
    workerPids: [worker.pid],
    async stop() {
      await worker.stop();
      await cleanUp();
    },
  };
}
