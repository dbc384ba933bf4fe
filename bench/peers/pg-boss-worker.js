// The pg-boss worker process of `npm run bench:peers` (see ./pg-boss.js and ./settings.js).
import PgBoss from 'pg-boss';
import { pgBoss as settings } from './settings.js';
import { jobStarted, serve } from './worker-child.js';

const { BENCH_DATABASE_URL, BENCH_QUEUE } = process.env;
const boss = new PgBoss({ connectionString: BENCH_DATABASE_URL, schedule: false });
boss.on('error', (err) => console.error(`pg-boss worker: ${err.message}`));
const timers = [];
const noop = async (data) => void jobStarted(data);

await serve({
  init: () => boss.start(),
  async start() {
    const loop = () =>
      boss.work(BENCH_QUEUE, settings.work, async (jobs) => {
        // One job at a time: each loop is one slot.
        for (const job of jobs) await noop(job.data);
      });
    await loop();
    for (let i = 1; i < settings.loops; i++)
      timers.push(setTimeout(() => void loop(), i * settings.staggerMs));
  },
  async stop() {
    for (const t of timers) clearTimeout(t);
    await boss.stop({ graceful: true, wait: true, timeout: 10_000 });
  },
});
